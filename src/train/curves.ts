/** Training curves (loss and mIoU, train vs val) as a vega-lite chart rendered to SVG without a browser. */
import * as vega from 'vega';
import * as vl from 'vega-lite';

export interface CurvePoint {
  epoch: number;
  train_loss: number;
  val_loss: number;
  train_miou: number;
  val_miou: number;
}

export async function curvesSvg(history: CurvePoint[]): Promise<string> {
  const rows = history
    .flatMap((h) => [
      { epoch: h.epoch, metric: 'loss', split: 'train', value: h.train_loss },
      { epoch: h.epoch, metric: 'loss', split: 'val', value: h.val_loss },
      { epoch: h.epoch, metric: 'mIoU', split: 'train', value: h.train_miou },
      { epoch: h.epoch, metric: 'mIoU', split: 'val', value: h.val_miou },
    ])
    .filter((r) => Number.isFinite(r.value));
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: rows },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'split', type: 'nominal' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
  return vegaLiteSvg(spec);
}

/** Renders a vega-lite spec to SVG text, headless. */
export async function vegaLiteSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
