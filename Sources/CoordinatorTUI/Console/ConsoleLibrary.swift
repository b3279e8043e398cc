// The console's pure half lives in the CoordinatorConsole library (so the benchmarks can drive it);
// re-exported here so every file of the executable sees it as before the split.
@_exported import CoordinatorConsole
