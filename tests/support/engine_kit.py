"""Small helpers for engine tests: deploy, start, work tasks, check save/restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine import deploy, queries, runtime
from engine.actors import Actor
from engine.instance_store import load

SYSTEM = Actor.system("test")


def deploy_files(env, *paths: Path | str, **named: bytes):
    files = {Path(p).name: Path(p).read_bytes() for p in paths}
    files.update(named)
    return deploy.deploy(env.unit_of_work(), files, deployed_by="test")


def start(env, process_id: str, data: dict[str, Any] | None = None, **kwargs) -> str:
    return runtime.start_instance(env.unit_of_work(), process_id=process_id, data=data or {}, **kwargs)


def ready(env, instance_id: str, element_id: str | None = None) -> list[dict[str, Any]]:
    with env.unit_of_work() as uow:
        tasks = queries.list_tasks(uow, queries.TaskFilter(instance_id=instance_id, limit=1000))
    return [t for t in tasks if element_id is None or t["element_id"] == element_id]


def one_ready(env, instance_id: str, element_id: str) -> dict[str, Any]:
    tasks = ready(env, instance_id, element_id)
    assert len(tasks) == 1, f"expected one ready {element_id}, got {[t['element_id'] for t in ready(env, instance_id)]}"
    return tasks[0]


def complete(env, task: dict[str, Any] | str, data: dict[str, Any] | None = None, actor: Actor = SYSTEM) -> str:
    task_id = task if isinstance(task, str) else task["id"]
    return runtime.complete_task(env.unit_of_work(), task_id, data or {}, actor=actor)


def instance(env, instance_id: str) -> dict[str, Any]:
    with env.unit_of_work() as uow:
        return queries.get_instance(uow, instance_id)


def history(env, instance_id: str) -> list[dict[str, Any]]:
    with env.unit_of_work() as uow:
        return queries.history(uow, instance_id)


def snapshot(env, instance_id: str) -> dict[str, Any]:
    """The instance's full serialized state, as freshly restored from its rows."""
    env.instances.clear()
    with env.unit_of_work() as uow:
        loaded = load(uow, instance_id)
        delta = env.codec.dump_all(loaded.workflow)
        return {"meta": delta.meta, "tasks": delta.upserts, "status": loaded.row.status}


def assert_survives_restart(env, instance_id: str) -> None:
    """Restore the instance from the database (as after a restart) and check nothing changed.

    Compares the state kept in this process's cache with the state rebuilt from
    the rows, and the rebuilt state with a second rebuild (serialisation is stable).
    """
    with env.unit_of_work() as uow:
        loaded = load(uow, instance_id)
        cached = env.codec.dump_all(loaded.workflow)
    first = snapshot(env, instance_id)
    second = snapshot(env, instance_id)
    assert first == second
    assert first["meta"] == cached.meta
    assert first["tasks"] == cached.upserts
