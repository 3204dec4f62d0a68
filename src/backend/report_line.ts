// One line saying which backend initBackend chose, why, and why it passed over the backends that are installed
// but were not used (a software WebGPU adapter, a GPU build without CUDA, ...), for run logs. Optional packages
// that are simply not installed are left out (doctor lists those).
import type { BackendReport } from './init_backend.js';

const NOT_INSTALLED = /is not installed \(optional/;

export function backendReportLine(report: BackendReport): string {
  const passed = report.skipped.filter((s) => !NOT_INSTALLED.test(s.why));
  const tail = passed.map((s) => `; passed over ${s.name}: ${s.why}`).join('');
  return `backend ${report.name}: ${report.reason}${tail}`;
}
