"""Options whose default is a library constant, read only when needed, still default to that constant."""

from __future__ import annotations

import click
import pytest

from generator.audit.demo import DEFAULT_SEED
from generator.audit.experts import EXPERT_SEED, EXPERTS_PER_LAYER
from generator.commands import audit_command, build_command


def test_the_audit_defaults_to_the_engine_s_expert_seed_and_says_how_many_experts() -> None:
    context = audit_command.make_context("audit", ["candidate", "reference"])
    assert context.params["expert_seed"] == EXPERT_SEED
    help_text = " ".join(audit_command.get_help(context).split())
    assert f"Seed choosing which routed experts are tested ({EXPERTS_PER_LAYER} per layer)" in help_text
    assert f"[default: {EXPERT_SEED}]" in help_text


def test_build_defaults_to_the_demo_s_seed() -> None:
    context = build_command.make_context("build", [])
    assert context.params["demo_seed"] == DEFAULT_SEED
    assert f"[default: {DEFAULT_SEED}; x>=0]" in " ".join(build_command.get_help(context).split())


def test_a_given_seed_wins_and_a_negative_demo_seed_is_refused() -> None:
    assert audit_command.make_context("audit", ["c", "r", "--expert-seed", "5"]).params["expert_seed"] == 5
    with pytest.raises(click.BadParameter, match=r"-1 is not in the range x>=0"):
        build_command.make_context("build", ["--demo-seed", "-1"])
