/**
 * For the real-editor suite only (window.__idaaCharts): what each chart shows (series, tick labels,
 * its CSV), and its cursor and zoom driven through uPlot's API. Nothing in the pages calls it.
 */
import { chartReports, hoverChart, zoomChart } from './charts';

export function installChartHook(): void {
  (window as unknown as { __idaaCharts: unknown }).__idaaCharts = { reports: chartReports, hover: hoverChart, zoom: zoomChart };
}
