/** The 3-D view: one point cloud, orbit controls, colours per point. */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { NONE_COLOR } from '../../../src/core/colors.ts';

/** Points not yet labelled: the neutral grey of "no part". */
const NEUTRAL = new THREE.Color(NONE_COLOR);

export class CloudViewer {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(40, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private readonly material: THREE.PointsMaterial;
  private points?: THREE.Points;
  private readonly grid: THREE.PolarGridHelper;
  private frame = 0;
  private paused = false;
  /** Set while the frame moves the camera itself (auto-rotation, damping), whose change events draw nothing more. */
  private updating = false;

  constructor(private readonly host: HTMLElement) {
    // preserveDrawingBuffer keeps the last frame readable for screenshots.
    this.renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    host.appendChild(this.renderer.domElement);
    // Far enough that the unit sphere the cloud is scaled into fits the 40° field of view with a margin.
    this.camera.position.set(1.45, 0.95, 1.9).setLength(1.12 / Math.sin(THREE.MathUtils.degToRad(20)));
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.controls.autoRotate = true;
    this.controls.autoRotateSpeed = 0.8;
    this.controls.addEventListener('start', () => (this.controls.autoRotate = false));
    this.material = new THREE.PointsMaterial({
      size: 0.042,
      vertexColors: true,
      map: discTexture(),
      alphaTest: 0.5,
      transparent: false,
      sizeAttenuation: true,
    });
    this.grid = new THREE.PolarGridHelper(0.9, 8, 3, 64, 0x222b3c, 0x1a2030);
    this.grid.position.y = -0.75;
    this.scene.add(this.grid);
    new ResizeObserver(() => this.resize()).observe(host);
    this.resize();
    // A drag moves the camera: draw, then keep drawing while the damping settles.
    this.controls.addEventListener('change', () => {
      if (!this.updating) this.draw();
    });
  }

  /**
   * Animates while a cloud is shown and the viewer is not paused; otherwise it draws once and stops. A frame loop
   * with nothing to show still costs a core in a tab without a GPU (WebGL in software), which the Train page's
   * step workers need.
   */
  private draw(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.updating = true;
      const moved = this.controls.update();
      this.updating = false;
      this.renderer.render(this.scene, this.camera);
      if ((this.points && !this.paused) || (moved && !this.controls.autoRotate)) this.draw();
    });
  }

  /** Stops the animation (while the page trains) or starts it again; what is shown stays on screen. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    this.draw();
  }

  /** Shows a new cloud in a neutral colour, centred and scaled into the unit sphere for viewing. */
  show(xyz: Float32Array): void {
    if (this.points) {
      this.scene.remove(this.points);
      this.points.geometry.dispose();
    }
    const geometry = new THREE.BufferGeometry();
    const fitted = fitUnitSphere(xyz);
    geometry.setAttribute('position', new THREE.BufferAttribute(fitted, 3));
    // The floor sits just under the cloud so it reads as a ground plane, not a backdrop.
    let minY = Infinity;
    for (let i = 1; i < fitted.length; i += 3) minY = Math.min(minY, fitted[i]!);
    this.grid.position.y = minY - 0.08;
    const colors = new Float32Array(xyz.length);
    for (let i = 0; i < colors.length; i += 3) NEUTRAL.toArray(colors, i);
    geometry.setAttribute('color', new THREE.BufferAttribute(colors, 3));
    geometry.computeBoundingSphere();
    this.points = new THREE.Points(geometry, this.material);
    this.scene.add(this.points);
    const n = xyz.length / 3;
    this.material.size = n > 20000 ? 0.016 : n > 5000 ? 0.026 : 0.042;
    this.draw();
  }

  /** Colours point i with `palette[labels[i]]`. */
  colour(labels: Int32Array, palette: string[]): void {
    const attr = this.points?.geometry.getAttribute('color') as THREE.BufferAttribute | undefined;
    if (!attr) return;
    const colors = palette.map((c) => new THREE.Color(c));
    labels.forEach((label, i) => {
      (colors[label] ?? NEUTRAL).toArray(attr.array, i * 3);
    });
    attr.needsUpdate = true;
    this.draw();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.controls.dispose();
    this.renderer.dispose();
  }

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.host;
    if (w === 0 || h === 0) return;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.draw();
  }
}

function fitUnitSphere(xyz: Float32Array): Float32Array {
  const n = xyz.length / 3;
  const c = [0, 0, 0];
  for (let i = 0; i < xyz.length; i++) c[i % 3]! += xyz[i]! / n;
  let r = 0;
  for (let i = 0; i < n; i++)
    r = Math.max(r, Math.hypot(xyz[i * 3]! - c[0]!, xyz[i * 3 + 1]! - c[1]!, xyz[i * 3 + 2]! - c[2]!));
  const out = new Float32Array(xyz.length);
  for (let i = 0; i < xyz.length; i++) out[i] = (xyz[i]! - c[i % 3]!) / (r || 1);
  return out;
}

/** A soft round sprite so points read as dots, not squares. */
function discTexture(): THREE.Texture {
  const size = 64;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const g = canvas.getContext('2d')!;
  const grad = g.createRadialGradient(size / 2, size / 2, 0, size / 2, size / 2, size / 2);
  grad.addColorStop(0, 'rgba(255,255,255,1)');
  grad.addColorStop(0.7, 'rgba(235,235,235,1)');
  grad.addColorStop(0.72, 'rgba(255,255,255,0)');
  g.fillStyle = grad;
  g.fillRect(0, 0, size, size);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  return texture;
}
