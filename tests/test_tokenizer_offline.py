"""tiktoken works offline: the BPE files come from llama-index-core when no cache is set."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import os, socket, sys

    def no_network(*args, **kwargs):
        raise OSError("network is off in this test")

    socket.socket.connect = no_network
    socket.create_connection = no_network
    socket.getaddrinfo = no_network

    from somark_loaders.convert.chunking import token_counter
    from somark_loaders import ConfigurationError

    count = token_counter()
    assert count("Dense passage retrieval") == 4, count("Dense passage retrieval")
    # found without importing llama-index-core (1-2 s: a first document's whole budget)
    assert "llama_index.core" not in sys.modules
    assert token_counter("o200k_base")("hello world") == 2
    assert token_counter("gpt-4o")("hello world") == 2
    assert "TIKTOKEN_CACHE_DIR" not in os.environ  # restored after loading
    try:
        token_counter("r50k_base")
    except ConfigurationError as err:
        assert "TIKTOKEN_CACHE_DIR" in str(err) and "tokenizer=" in str(err), err
    else:
        raise AssertionError("r50k_base cannot load offline")
    print("ok")
    """
)


def test_token_counting_works_offline_with_no_cache_set(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in {"TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"}
    }
    env["TMPDIR"] = str(tmp_path)  # no leftover tiktoken cache in /tmp can help
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert not (tmp_path / "data-gym-cache").exists()


def test_a_user_cache_dir_is_respected(tmp_path: Path) -> None:
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path)}
    code = (
        "from somark_loaders import ConfigurationError\n"
        "from somark_loaders.convert.chunking import token_counter\n"
        "import socket\n"
        "socket.getaddrinfo = lambda *a, **k: (_ for _ in ()).throw(OSError('offline'))\n"
        "try:\n    token_counter()\nexcept ConfigurationError as err:\n    print('error', err)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    # An empty user cache is the user's choice: we do not override it, and say what failed.
    assert done.returncode == 0, done.stderr
    assert "could not load the 'cl100k_base'" in done.stdout


@pytest.mark.parametrize("bad", [42, 3.5])
def test_bad_tokenizer_values(bad: object) -> None:
    from somark_loaders import ConfigurationError
    from somark_loaders.convert.chunking import token_counter

    with pytest.raises(ConfigurationError):
        token_counter(bad)  # type: ignore[arg-type]
