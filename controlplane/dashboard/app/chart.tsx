// A time-series chart with uPlot (canvas; bundled, no CDN). Each chart also carries a text
// summary for screen readers, and redraws to its container's width.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: Array<number | null>;
}

const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#be185d",
  "#4d7c0f",
];

export function TimeChart({
  title,
  times,
  series,
  format,
  summary,
  rate = false,
}: {
  title: string;
  /** Unix seconds. */
  times: number[];
  series: Series[];
  format(value: number): string;
  summary: string;
  /** A share: the axis runs from 0 to 100 %. */
  rate?: boolean;
}) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const width = () => Math.max(240, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 200,
        legend: { show: true },
        scales: {
          x: { time: true },
          y: rate
            ? { range: [0, 1] }
            : { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          { stroke: "#555" },
          { stroke: "#555", size: 64, values: (_u, values) => values.map((v) => format(v)) },
        ],
        series: [
          {},
          ...series.map((item, index) => ({
            label: item.label,
            stroke: PALETTE[index % PALETTE.length],
            width: 2,
            // Isolated values (a quiet window with one busy hour) are drawn as points.
            points: { show: item.values.filter((value) => value !== null).length < 24 },
            value: (_u: uPlot, v: number | null) => (v === null ? "–" : format(v)),
          })),
        ],
      },
      [times, ...series.map((item) => item.values)] as uPlot.AlignedData,
      element,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 200 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series, format, rate]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={holder} role="img" aria-label={`${title}: ${summary}`} />
    </figure>
  );
}
