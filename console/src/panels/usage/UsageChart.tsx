// The chart of valid and invalid verifications per period (uPlot, loaded with its CSS only
// when a chart is drawn). The canvas is an image with a name; the numbers are in the tables.
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { lang, useT } from "../../i18n";
import { type Granularity, tickFormat, type Usage } from "./format";
import { usageText } from "./messages";

const HEIGHT = 260;
const VALID_COLOUR = "#1a7f37";
const INVALID_COLOUR = "#b42318";
const HALF_PERIOD: Record<Granularity, number> = { hour: 1800, day: 43_200, month: 15 * 86_400 };

async function loadUPlot(): Promise<typeof uPlot> {
  const [module] = await Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]);
  return module.default;
}

export function UsageChart(props: { usage: Usage; label: string }) {
  const t = useT(usageText);
  const box = useRef<HTMLDivElement>(null);
  const [drawn, setDrawn] = useState(false);
  const { usage } = props;
  const language = lang.value;
  useEffect(() => {
    let cancelled = false;
    let plot: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    void loadUPlot().then((UPlot) => {
      const element = box.current;
      if (cancelled || !element) return;
      const options = chartOptions(UPlot, usage.granularity, language, [t("valid"), t("invalid")], element.clientWidth);
      const data: uPlot.AlignedData = [
        usage.series.map((p) => Date.parse(p.period_start) / 1000),
        usage.series.map((p) => p.valid),
        usage.series.map((p) => p.invalid),
      ];
      plot = new UPlot(options, data, element);
      observer = new ResizeObserver(() => plot?.setSize({ width: element.clientWidth, height: HEIGHT }));
      observer.observe(element);
      setDrawn(true);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [usage, language]);
  return (
    <figure class="usage-chart">
      <div ref={box} class="chart" role="img" aria-label={props.label} data-testid="usage-chart" aria-busy={!drawn} />
      <figcaption class="legend" aria-hidden="true">
        <span class="swatch valid" /> {t("valid")} <span class="swatch invalid" /> {t("invalid")}
      </figcaption>
    </figure>
  );
}

function chartOptions(
  UPlot: typeof uPlot,
  granularity: Granularity,
  language: typeof lang.value,
  names: [string, string],
  width: number,
): uPlot.Options {
  const format = tickFormat(granularity, language);
  const bars = UPlot.paths.bars;
  const series = (label: string, colour: string, align: -1 | 1): uPlot.Series => ({
    label,
    stroke: colour,
    fill: `${colour}cc`,
    width: 1,
    paths: bars?.({ size: [0.4, 24], align }),
    points: { show: false },
  });
  return {
    width: Math.max(width, 240),
    height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    tzDate: (ts) => UPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: {
      // Half a period of room on each side, so the first and last bars are whole.
      x: { time: true, range: (_u, min, max) => [min - HALF_PERIOD[granularity], max + HALF_PERIOD[granularity]] },
      y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
    },
    axes: [
      { values: (_u, splits) => splits.map((s) => format.format(new Date(s * 1000))), stroke: "#57606a", space: 70 },
      { stroke: "#57606a", values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? String(s) : "")) },
    ],
    series: [{}, series(names[0], VALID_COLOUR, -1), series(names[1], INVALID_COLOUR, 1)],
  };
}
