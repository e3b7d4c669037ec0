"""The benchmark runs end to end and prints its numbers (a smoke test: numbers are printed, never asserted)."""

from __future__ import annotations

import pytest

from cli.main import main
from models.speed import fcn_gflop


def test_fcn_flop_count_matches_the_architecture() -> None:
    from models.architectures import build_discovery_fcn

    model = build_discovery_fcn(12)
    # conv1 on 201x201: 2*9*12*32 per pixel; conv2 on 67x67: 2*9*32*64; conv3 on 22x22: 2*9*64*64; conv4 1x1 out: ...
    expected = 2 * (9 * 12 * 32 * 201**2 + 9 * 32 * 64 * 67**2 + 9 * 64 * 64 * 22**2 + 49 * 64 * 64 + 64 * 2) / 1e9
    assert fcn_gflop(model, 201, 201) == pytest.approx(expected, rel=1e-9)


def test_bench_prints_rates_memory_and_the_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--size", "512"]) == 0
    out = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + "\n".join(out.strip().splitlines()[-5:]))
    for text in ("km²/s", "s per 10,000 km²", "peak RSS", "streamed vs naive", "GFLOP/s", "of peak"):
        assert text in out


def test_unknown_phase_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--size", "512", "--phases", "streamed,warp"]) == 2
    assert "unknown phase(s) warp" in capsys.readouterr().err


def test_naive_phase_too_big_for_this_machine_is_reported_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli import scan_benchmark as benchmark

    monkeypatch.setattr(benchmark, "available_memory_bytes", lambda: 2**29)  # 0.5 GiB: less than TensorFlow alone
    lines: list[str] = []
    results = benchmark.run_benchmark(512, ("naive",), print_fn=lines.append)
    need = benchmark.naive_memory_bytes(512) / 2**30
    assert results["naive"] == {"not_run": lines[1].removeprefix("Not running the naive phase: ")}
    report = lines[-1]
    assert f"naive     full scan: not run: the whole-scene pipeline needs about {need:.1f} GiB" in report
    assert "0.5 GiB available" in report and "streamed vs naive" not in report
