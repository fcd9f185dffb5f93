"""The command line's part in the administrators' second factor: what it prints, and the operator's reset."""

from __future__ import annotations

import click


def print_enrolment_instructions(username: str) -> None:
    """What a new administrator does at their first sign-in (``yiwang users create``)."""
    click.echo(f"{username} 是管理员，登录须用双因素验证：首次登录时网页会显示二维码，用手机身份验证器应用 (TOTP) "
               "扫码绑定并输入其中的 6 位验证码，再妥善保存给出的恢复码。\n"
               f"({username} is an administrator and signs in with a second factor: at the first sign-in the web "
               "UI shows a QR code to scan with an authenticator app (TOTP), asks for the app's 6-digit code, "
               "then shows recovery codes to keep safe.)")


def print_demo_authenticators(authenticators: dict[str, str]) -> None:
    """The demo administrators' secrets, to type (or paste as otpauth URIs) into an authenticator app."""
    import pyotp

    from . import config

    issuer = config.load()["SECOND_FACTOR_ISSUER"]
    click.echo("管理员登录还需双因素验证码：把下列密钥加入手机身份验证器应用 (TOTP, 6 位, 30 秒)\n"
               "(administrators also give a code: add these secrets to an authenticator app):")
    for username, secret in authenticators.items():
        uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)
        click.echo(f"  {username:<17} {secret}  {uri}")


@click.command("reset-second-factor")
@click.argument("username")
@click.pass_context
def reset_second_factor(ctx, username):
    """Reset a user's second factor (they set up a new one at their next sign-in)."""
    from . import accounts, audit, credentials, second_factor

    env = ctx.find_root().obj["env"]()
    with env.unit_of_work() as uow:
        user_id = accounts.user_id_by_name(uow.session, username)
    uow = env.unit_of_work()
    uow.before_commit(lambda unit: audit.append(unit.session, action="user.second_factor_reset", result="ok",
                                                actor="cli", source="cli", object_type="user",
                                                object_id=str(user_id)))
    second_factor.reset(uow, user_id)
    credentials.end_sessions_of(env.unit_of_work(), user_id)
    click.echo(f"{username}: second factor reset; they set up a new one at their next sign-in")
