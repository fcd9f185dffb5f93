"""``yiwang data-keys``: the keys sealing personal data at rest (see api/data_keys.py, engine/sealing.py).

    yiwang data-keys status      the keys, and how many stored rows a reseal would still change
    yiwang data-keys rotate      add a new current key (DATA_CIPHER); older keys keep opening their values
    yiwang data-keys reseal      move every sealed value to the current key, seal what is still plaintext,
                                 compute missing blind indexes (run once after upgrading to revision 0008)

Rotation and resealing are written to the audit trail.
"""

from __future__ import annotations

from collections import Counter

import click

from engine.resealing import reseal_instances
from processes.drafts import reseal_drafts
from processes.licences import reseal_licences

from . import audit, audit_keys, config, data_keys
from .comments import reseal_comments


def _env(ctx):
    return ctx.find_root().obj["env"]()


def _record(env, action: str, details: dict) -> None:
    with env.unit_of_work() as uow:
        audit.append(uow.session, action=action, result="ok", actor="cli", source="cli", object_type="data-keys",
                     object_id=env.protector.keyring.current.id, details=details)
        uow.commit()


def reseal_everything(env, *, dry_run: bool = False) -> Counter:
    """Every table holding sealed values, resealed; rows changed per table."""
    changed = reseal_instances(env, dry_run=dry_run)
    changed["application_draft"] = reseal_drafts(env, dry_run=dry_run)
    changed["e_licence"] = reseal_licences(env, dry_run=dry_run)
    changed["task_comment"] = reseal_comments(env, dry_run=dry_run)
    return changed


@click.group("data-keys")
def data_keys_group():
    """The keys sealing ID numbers, mobile numbers and names at rest: status, rotation, resealing."""


@data_keys_group.command("status")
@click.pass_context
def status(ctx):
    """The keys in use, and the stored rows a reseal would still change (older keys, plaintext)."""
    env = _env(ctx)
    ring = env.protector.keyring
    for key in ring.keys.values():
        click.echo(f"{key.id}  {key.algorithm}{'  (current)' if key is ring.current else ''}")
    pending = +reseal_everything(env, dry_run=True)
    for table, count in sorted(pending.items()):
        click.echo(f"{table}: {count} row(s) under an older key or in plaintext")
    if not pending:
        click.echo("every stored value is sealed under the current key")


@data_keys_group.command("rotate")
@click.pass_context
def rotate(ctx):
    """Add a new current key; then run `yiwang data-keys reseal` on one host once every host has it."""
    values = config.load()
    ring, path = data_keys.rotate(values, audit_keys.default_instance_path())
    if path is None:
        click.echo("YIWANG_DATA_KEYS is set: put this document in it on every host, then reseal:")
        click.echo(data_keys.document_text(ring))
    else:
        click.echo(f"new current key {ring.current.id} ({ring.current.algorithm}) written to {path}")
    _record(_env(ctx), "data-keys.rotated", {"key_id": ring.current.id, "algorithm": ring.current.algorithm})


@data_keys_group.command("reseal")
@click.option("--dry-run", is_flag=True, help="count what would change; store nothing")
@click.pass_context
def reseal(ctx, dry_run):
    """Seal every stored personal value under the current key (older keys may be removed afterwards)."""
    env = _env(ctx)
    changed = reseal_everything(env, dry_run=dry_run)
    verb = "would change" if dry_run else "changed"
    for table, count in sorted(changed.items()):
        click.echo(f"{table}: {verb} {count} row(s)")
    if not dry_run:
        _record(env, "data-keys.resealed", {"key_id": env.protector.keyring.current.id, **changed})
