"""Runs in one process leave nothing behind: the soak benchmark's cycles
(spinndl.benchmarks.soak), few of them. Not timed; the 50-cycle figures,
memory included, are the benchmark's to print."""

from spinndl.benchmarks.soak import run_soak


def test_five_predict_fit_cycles_leave_nothing_and_ctrl_c_works():
    figures = run_soak(5)
    assert figures["cycles"] == 5
    assert figures["fd_growth"] == 0
    assert figures["thread_growth"] == 0
    assert figures["tmp_left"] == 0
    assert figures["cwd_left"] == 0
    assert figures["sigint_ok"] == 1
    # and the runs computed the right thing (float32, as the parity tests)
    assert figures["max_abs_error_vs_numpy"] <= 1e-4
