"""The benchmark runs end to end and prints its numbers (a smoke test: numbers are printed, never asserted)."""

from __future__ import annotations

import pytest

from core.cli import main
from models.benchmark import fcn_gflop


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
