#ifndef CLOSEBELL_FUZZ_DRIVER_H
#define CLOSEBELL_FUZZ_DRIVER_H

/// Runs libFuzzer's driver (LLVMFuzzerRunDriver) on the target's LLVMFuzzerTestOneInput.
///
/// SwiftPM links an executable target with `--defsym main=<module>_main`, so libFuzzer's own
/// `main` is never used; each fuzz target defines `<module>_main` to call this instead.
int closebell_fuzz_main(int argc, char **argv);

#endif
