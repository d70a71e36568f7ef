"""Ray Data: SoMark over many files and many machines, the account's limits held across all.

``read_somark(paths, ...)`` gives a :class:`ray.data.Dataset` with one row per chunk: ``id``,
``text``, ``prev_id``/``next_id``/``parent_id`` and the metadata contract as columns
(absent values are null), the same ids and metadata as :class:`SoMarkLoader` gives for
the same files and settings. Files are listed as Ray Data lists them (local folders,
``s3://``, ``gs://``... through pyarrow filesystems) and grouped on the driver; each Ray
task reads a group and loads it with the package's batch runner
(cache, ledger, retries, report), its submits and tasks in flight counted against one
actor per account (``batch/_ray_limits.py``), so conversion and tokenisation run on every CPU
the cluster gives while SoMark's limits hold for the whole of it.

``read_somark_files`` gives the step before: one row per file with its outcome (the
fields of :class:`FileOutcome`) and its chunks; :func:`chunks_of` turns it into the chunk
rows and :func:`report_of` into a :class:`LoadReport`. Materialise it once to have both
without loading twice.

The rows' schemas and their conversion to documents live in :mod:`._ray_rows`.

Needs the ``ray`` extra: ``pip install 'somark-loaders[ray]'``.
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

try:
    import pyarrow as pa
    import ray
    import ray.data
except ImportError as err:  # pragma: no cover - exercised with the extra missing
    raise ImportError(
        f"somark_loaders.ray needs Ray Data ({err.name} is missing): "
        "pip install 'somark-loaders[ray]'"
    ) from err

from ._checks import checked, setting_names, shows
from ._errors import ConfigurationError, InvalidFileError, require_whole
from ._loading import LoaderSettings
from ._ray_rows import (
    _OUTCOME_FIELDS,
    CHUNK_SCHEMA,
    FILE_SCHEMA,
    METADATA_KEYS,
    _chunk_row,
    to_documents,
    to_llama_documents,
)
from .batch import BatchRunner
from .batch._limits import account_id
from .batch._ray_limits import ClusterLimits, account_actor, slot_lease
from .convert import Chunk
from .files._files import SUPPORTED_EXTENSIONS
from .files._inputs import Source
from .report import FileOutcome, LoadReport
from .service._config import ClientConfig
from .service.client import SoMarkClient

__all__ = [
    "CHUNK_SCHEMA",
    "FILE_SCHEMA",
    "METADATA_KEYS",
    "chunks_of",
    "read_somark",
    "read_somark_files",
    "report_of",
    "to_documents",
    "to_llama_documents",
]

logger = logging.getLogger("somark_loaders")

# The clients of the pipelines this worker process served last, kept between its Ray
# tasks (a process runs one task at a time and serves the next tasks of the pipeline):
# the connections, the tokenizer and the service's pace learned by the client are made
# once per process, not once per batch of files.
_CLIENTS: OrderedDict[str, SoMarkClient] = OrderedDict()
KEPT_CLIENTS = 4
_CLIENTS_LOCK = threading.Lock()


def _client_for(pipeline: str, settings: LoaderSettings) -> SoMarkClient:
    with _CLIENTS_LOCK:
        client = _CLIENTS.pop(pipeline, None)
        if client is None:
            client, _ = settings.sync_client()
        _CLIENTS[pipeline] = client
        while len(_CLIENTS) > KEPT_CLIENTS:
            _CLIENTS.popitem(last=False)[1].close()
        return client


def _load_files(batch: pa.Table, settings: LoaderSettings, limits: ClusterLimits) -> pa.Table:
    """A batch of files (``path``, ``bytes``) through the batch runner, as one Ray task;
    one row per file (:data:`FILE_SCHEMA`)."""
    paths = batch.column("path").to_pylist()
    return _loaded(paths, batch.column("bytes").to_pylist(), settings, limits)


def _read_and_load(
    batch: pa.Table, filesystem: Any, settings: LoaderSettings, limits: ClusterLimits
) -> pa.Table:
    """A group of listed files (one row, ``paths``) read here and loaded in one run: the
    read and the load are one Ray task, which gets exactly the group."""
    paths = [path for group in batch.column("paths").to_pylist() for path in group]
    contents = []
    for path in paths:
        with filesystem.open_input_stream(path) as stream:
            contents.append(stream.readall())
    return _loaded(paths, contents, settings, limits)


def _loaded(
    paths: list[str], contents: list[bytes], settings: LoaderSettings, limits: ClusterLimits
) -> pa.Table:
    client = _client_for(limits.pipeline, settings)
    sources = [
        Source(source=path, name=PurePosixPath(path).name, data=data)
        for path, data in zip(paths, contents, strict=True)
    ]
    runner = BatchRunner(replace(settings.batch_settings(), limits=limits))
    chunks: dict[str, list[Chunk]] = {}
    # under on_error="raise" the first failure raises here and fails the dataset
    for loaded in runner.run(client, sources):
        chunks[loaded.source.source] = loaded.chunks
    rows = []
    for outcome in runner.report.files:
        row = {name: getattr(outcome, name) for name in _OUTCOME_FIELDS}
        row["chunks"] = json.dumps([_chunk_row(c) for c in chunks.get(outcome.source, [])])
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=FILE_SCHEMA)


def cluster_limits(settings: LoaderSettings) -> ClusterLimits:
    """The account's limits for the workers of one pipeline: its actor (made if the
    cluster has none yet), with this pipeline's settings."""
    config = ClientConfig.resolve(**settings.client_kwargs)
    account = account_id(config.service_id, config.api_key.reveal() if config.api_key else None)
    rate = settings.batch_settings().rate  # the rate a load uses when none is chosen
    auto = settings.requests_per_second is None
    actor = account_actor(account, rate, settings.max_concurrency, auto=auto)
    return ClusterLimits(actor, lease=slot_lease(config.poll_interval))


def _listed(
    paths: list[str], filesystem: Any, extensions: list[str]
) -> tuple[list[str], Any] | None:
    """The files under ``paths`` as Ray Data lists them (its filesystems, its rules:
    names starting with ``_`` or ``.`` skipped) with the ``extensions`` asked for, and
    the filesystem to read them with; ``None`` where this Ray has no such listing, or
    for ``local://`` paths (read on the driver's node: Ray Data's read does that)."""
    try:
        from ray.data.datasource import DefaultFileMetadataProvider
        from ray.data.datasource.path_util import _resolve_paths_and_filesystem
    except ImportError:  # pragma: no cover - a Ray Data without them
        return None
    if any(path.lower().startswith("local:") for path in paths):
        return None
    resolved, filesystem = _resolve_paths_and_filesystem(paths, filesystem)
    try:
        from ray.data._internal.util import RetryingPyFileSystem

        retried = ray.data.DataContext.get_current().retried_io_errors
        filesystem = RetryingPyFileSystem.wrap(filesystem, retryable_errors=retried)
    except (ImportError, AttributeError):  # pragma: no cover - older Ray: no retries
        pass
    suffixes = tuple("." + e.lower() for e in extensions)
    files = [
        path
        for path, _ in DefaultFileMetadataProvider().expand_paths(resolved, filesystem)
        if path.split("?", 1)[0].lower().endswith(suffixes)
    ]
    if not files:
        raise InvalidFileError(
            f"No file to load under {paths} with the extensions read "
            f"({', '.join(extensions)}): check the paths, and file_extensions= "
            "(default: every type SoMark takes)."
        )
    return files, filesystem


def _loaded_in_tasks_of(
    paths: list[str],
    filesystem: Any,
    extensions: list[str],
    per_task: int,
    load_args: dict[str, Any],
    **map_args: Any,
) -> ray.data.Dataset:
    """The files loaded in Ray tasks of exactly ``per_task`` files each (the last one
    fewer), each task's files in one run: one row per file (:data:`FILE_SCHEMA`).

    The files are listed on the driver (as Ray Data's own read lists them) and grouped
    there, a group a block; each task reads its group's files and loads them, one stage.
    Ray Data's read gave a task whole blocks of its read (21 files, say), called with
    ``per_task`` of them, then with the 5 left, uploaded only once the first ones were
    done: a run of 5, or 2, cannot fill the account's slots while another run ends.
    Regrouping the read's rows (``repartition``) is a stage of its own, a CPU a task,
    which cost a run from the cache a fifth of its speed. Where the files cannot be
    listed so, Ray Data reads them and regroups them (``repartition(strict=...)`` where
    it has it)."""
    listed = _listed(paths, filesystem, extensions)
    if listed is not None:
        files, filesystem = listed
        groups = [{"paths": files[i : i + per_task]} for i in range(0, len(files), per_task)]
        read: Any = _read_and_load  # its arguments come as fn_kwargs: the stubs miss them
        return ray.data.from_items(groups, override_num_blocks=len(groups)).map_batches(
            read,
            fn_kwargs={"filesystem": filesystem, **load_args},
            batch_size=1,  # a group
            **map_args,
        )
    read_files = ray.data.read_binary_files(
        paths,
        include_paths=True,
        filesystem=filesystem,
        num_cpus=0,  # reading bytes waits on storage; workers may hold every CPU
        concurrency=2,  # as many reader processes: each costs its start-up
        file_extensions=extensions,
    )
    if "strict" in inspect.signature(read_files.repartition).parameters:
        read_files = read_files.repartition(target_num_rows_per_block=per_task, strict=True)
    load: Any = _load_files
    return read_files.map_batches(load, fn_kwargs=load_args, batch_size=per_task, **map_args)


def default_files_per_task(max_concurrency: int) -> int:
    """Files a Ray task loads together unless told: twice the account's tasks in flight,
    so that one task alone keeps every slot busy while its first files finish (its
    next ones go up as each comes back), and at least 8 (a task costs Ray some
    milliseconds of scheduling: cached files are converted in batches worth it)."""
    return max(8, 2 * max_concurrency)


# What read_somark does unless told otherwise: failures are rows of the result, not a
# failed dataset, and Ray Data draws its own progress.
RAY_DEFAULTS: dict[str, Any] = {"on_error": "collect", "show_progress": False}


@checked
def read_somark_files(
    paths: str | Path | Sequence[str | Path],
    *,
    files_per_task: int | None = None,
    workers: int | None = None,
    num_cpus: float = 1,
    file_extensions: Sequence[str] | None = None,
    filesystem: Any = None,
    **options: Any,
) -> ray.data.Dataset:
    """One row per file: its outcome (:data:`FILE_SCHEMA`) and its chunks.

    Args:
        paths: files, folders (read recursively) or URIs Ray Data can list
            (``s3://bucket/prefix``, ``gs://...``).
        files_per_task: files each Ray task loads together (default
            :func:`default_files_per_task`: twice ``max_concurrency``, at least 8): its
            files share the task's tasks in flight, so keep it at least
            ``max_concurrency`` or one task cannot use every slot.
        workers: Ray tasks loading files at once (default: as many as Ray gives CPUs).
            They run in Ray's pooled worker processes, which keep a pipeline's client,
            tokenizer and learned polling pace between its tasks.
        num_cpus: CPUs each task asks of Ray (conversion and tokenisation use one).
        file_extensions: the extensions to read (default: every type SoMark takes).
        filesystem: a ``pyarrow.fs.FileSystem`` for the paths (default: from the URI).
        **options: what :class:`SoMarkLoader` takes: ``mode``, ``chunk_size``,
            ``parse_options``, ``api_key``, ``base_url``, ``max_concurrency`` (the
            account's tasks in flight across the cluster), ``requests_per_second`` (its
            submits per second across the cluster), ``on_error`` (default here
            ``"collect"``: failures are rows of the result, not a failed dataset),
            ``cache`` (a directory every node sees: it is what makes a re-run free)...
    """
    if "client" in options:
        raise ConfigurationError(
            "read_somark makes a client on each Ray worker: pass api_key, base_url and "
            "client_options, not a client."
        )
    if files_per_task is not None:
        require_whole("files_per_task", files_per_task, 1)
    if workers is not None:
        require_whole("workers", workers, 1)
    options = {**RAY_DEFAULTS, **options}
    settings = LoaderSettings.of("read_somark", options, also=setting_names(read_somark_files))
    settings.log_summary = False  # the summary is report_of's
    limits = cluster_limits(settings)
    per_task = files_per_task or default_files_per_task(settings.max_concurrency)
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    extensions = sorted(e.lstrip(".") for e in (file_extensions or SUPPORTED_EXTENSIONS))
    return _loaded_in_tasks_of(
        [str(p) for p in items],
        filesystem,
        extensions,
        per_task,
        {"settings": settings, "limits": limits},
        batch_format="pyarrow",
        num_cpus=num_cpus,
        **_task_pool(workers),
    )


shows(read_somark_files, LoaderSettings, RAY_DEFAULTS, drop={"client"})


def _explode(files: pa.Table) -> pa.Table:
    rows = [row for text in files.column("chunks").to_pylist() for row in json.loads(text)]
    return pa.Table.from_pylist(rows, schema=CHUNK_SCHEMA)


def chunks_of(files: ray.data.Dataset) -> ray.data.Dataset:
    """The chunk rows (:data:`CHUNK_SCHEMA`) of a :func:`read_somark_files` dataset."""
    return _exploded(files)


def _exploded(files: ray.data.Dataset, **map_args: Any) -> ray.data.Dataset:
    # read_somark asks what its loading tasks ask (CPUs, how many at once): Ray Data runs
    # both in one task, and the chunks flow on as each task ends. Asking no CPU made a
    # stage of its own, its tasks run beside loading tasks holding every CPU in worker
    # processes Ray started for them and stopped once idle: 8-10 new processes a
    # pipeline, each importing the package (3x one process's CPU on 200 cached files)
    return files.map_batches(_explode, batch_format="pyarrow", batch_size=None, **map_args)


def report_of(files: ray.data.Dataset) -> LoadReport:
    """The :class:`LoadReport` of a :func:`read_somark_files` dataset (runs it if it has
    not run: materialise the dataset first to load only once)."""
    report = LoadReport()
    for row in files.select_columns(_OUTCOME_FIELDS).iter_rows():
        entry = {k: row[k] for k in _OUTCOME_FIELDS}
        entry["images_not_kept"] = [str(line) for line in entry["images_not_kept"] or ()]
        report.files.append(FileOutcome(**entry))
    return report


def read_somark(paths: str | Path | Sequence[str | Path], **options: Any) -> ray.data.Dataset:
    """One row per chunk (:data:`CHUNK_SCHEMA`); see :func:`read_somark_files` for the
    arguments. Files that fail are left out (``on_error="collect"``, the default here):
    use :func:`read_somark_files` and :func:`report_of` to see them."""
    tasks = {"num_cpus": options.get("num_cpus", 1), **_task_pool(options.get("workers"))}
    return _exploded(read_somark_files(paths, **options), **tasks)


def _task_pool(workers: int | None) -> dict[str, Any]:
    """How many Ray tasks a map runs at once, as this Ray says it: ``compute`` with a
    task pool of that size (Ray 2.51 deprecated ``concurrency``, and logs a warning each
    call that passes it), or ``concurrency`` on a Ray without a sized task pool."""
    if workers is None:
        return {}
    pool = getattr(ray.data, "TaskPoolStrategy", None)
    if pool is not None and "size" in inspect.signature(pool).parameters:
        return {"compute": pool(size=workers)}
    return {"concurrency": workers}


# read_somark passes its arguments on: it shows read_somark_files' signature
read_somark.__signature__ = inspect.signature(read_somark_files)  # type: ignore[attr-defined]
