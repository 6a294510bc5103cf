"""Where a mapped network runs: the toolchain session, the emulator, a board."""
