"""The command-line demo runs end to end (at a small size) and all its checks pass."""
from __future__ import annotations

import subprocess
import sys


def test_demo_runs_and_passes_its_checks():
    result = subprocess.run([sys.executable, "-m", "pycauset", "demo", "--size", "600", "--budget", "2M"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10/10 checks passed" in result.stdout


def test_command_line_rejects_unknown_commands():
    result = subprocess.run([sys.executable, "-m", "pycauset", "nonsense"], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "invalid choice" in result.stderr
