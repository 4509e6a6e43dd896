"""An address that is really two (`a,victim@evil.example`) or carries a header is refused wherever
addresses enter: the subscriptions file at start (file, line, what is wrong), `alert-test --to`
and `digest --preview`; nothing is mailed on a guess.
"""

from __future__ import annotations

import pytest

from cli.alerts import alert_test_command, digest_command
from errors import UserError
from tests.support.alert_servers import database, make_config
from tests.support.tracker import run_cli
from tests.test_backfill import env_for

GOOD = '[[email]]\nto = ["desk@newsroom.example"]\nstates = ["FL"]\ncadence = "instant"\n'
TWO_IN_ONE = "a,victim@evil.example"


def test_the_subscriptions_file_with_a_smuggled_address_is_refused_at_start_and_nothing_is_mailed(
        tmp_path, smtp_server):
    env = env_for(tmp_path)
    env.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_STARTTLS": "false"})
    (tmp_path / "subscriptions.toml").write_text(GOOD.replace('"]', f'", "{TWO_IN_ONE}"]', 1), encoding="utf-8")
    result = run_cli(env, "once", "--only", "alerts")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "subscriptions.toml:2: to: 'a,victim@evil.example' is not an email " \
                                             "address" in line
    assert smtp_server.messages == []


@pytest.mark.parametrize("wanted", [TWO_IN_ONE, "desk@newsroom.example\nBcc: victim@evil.example",
                                    "Desk <desk@newsroom.example>"])
def test_alert_test_to_and_digest_preview_refuse_what_is_not_one_address(tmp_path, smtp_server, wanted):
    config = make_config(tmp_path, GOOD, smtp=smtp_server)
    with pytest.raises(UserError, match=r"^--to .* is not an email address: "):
        alert_test_command(config, to=wanted)
    with pytest.raises(UserError, match=r"^--preview .* is not an email address: "):
        digest_command(config, database(config), preview=wanted)
    assert smtp_server.messages == []
    assert not (config.data_dir / "previews").exists()


def test_alert_test_to_a_subscribed_address_still_sends(tmp_path, smtp_server, capsys):
    config = make_config(tmp_path, GOOD, smtp=smtp_server)
    assert alert_test_command(config, to="desk@newsroom.example") == 0
    assert [m["To"] for m in smtp_server.messages] == ["desk@newsroom.example"]
