/** Compute kernels: the selective scan (Mamba's S6 recurrence) behind one function. */
export { autoScanImpl, fusedScanThreads, selectiveScan } from './scan/index.ts';
export type { SelectiveScanInputs, SelectiveScanOptions, SelectiveScanResult, ScanImpl } from './scan/index.ts';
