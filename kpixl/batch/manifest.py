"""Fingerprints of a batch's inputs and outputs, so a re-run on unchanged inputs can be skipped."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kpixl.atomic import write_atomically
from kpixl.errors import OutputError

MANIFEST_NAME = "kpixl_manifest.json"


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was looked at: its size, modification time and content hash."""

    size: int
    mtime_ns: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint | None:
    """The file's fingerprint, or None when it cannot be opened (gone, no permission)."""
    try:
        before = path.stat()
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None
    return Fingerprint(before.st_size, before.st_mtime_ns, digest)


def sha256_of(path: Path) -> str:
    found = fingerprint(path)
    return "" if found is None else found.sha256


@dataclass
class Manifest:
    """What a run read (and what it was asked for), and the files it wrote.

    A run is up to date when everything it reads is the same as last time (same kpixl version,
    register, period asked for, returns and skipped files) and every file it wrote is still there,
    unchanged. An input that could not be fingerprinted, or changed while it was read, is
    recorded with an empty hash, so it never counts as unchanged.
    """

    version: str
    register: str  # sha256 of the register workbook
    period: str  # as asked for: YYYY-MM, or "latest"
    inputs: dict[str, str]  # return (relative to IN_DIR, with /) -> sha256
    skipped: list[str]
    outputs: dict[str, str] = field(default_factory=dict)  # file name in OUT_DIR -> sha256
    published: list[str] = field(default_factory=list)  # also asked for: "html", "pdf:chromium"
    valid: bool = True  # no validation errors in the run that wrote the outputs
    dashboards: int = 0

    def same_inputs(self, other: Manifest) -> bool:
        mine = (self.version, self.register, self.period, self.inputs, self.skipped,
                self.published)  # fmt: skip
        theirs = (other.version, other.register, other.period, other.inputs, other.skipped,
                  other.published)  # fmt: skip
        return mine == theirs and "" not in self.inputs.values() and bool(self.register)

    def outputs_intact(self, out_dir: Path) -> bool:
        return bool(self.outputs) and all(
            sha256_of(out_dir / name) == digest for name, digest in self.outputs.items()
        )


def load_manifest(out_dir: Path) -> Manifest | None:
    """The manifest of the last run into `out_dir`; None when there is none or it is damaged."""
    try:
        raw = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        return Manifest(**raw)
    except (OSError, ValueError, TypeError):
        return None


def save_manifest(manifest: Manifest, out_dir: Path) -> Path:
    """Written last, once every output it lists is written, with the hash of each."""
    path = out_dir / MANIFEST_NAME
    text = json.dumps(asdict(manifest), indent=2, ensure_ascii=False) + "\n"
    write_atomically(text.encode("utf-8"), path)
    return path


def forget_manifest(out_dir: Path) -> None:
    """Remove the last run's manifest before this run writes anything: a run stopped half way
    leaves none, so the next run builds everything again rather than trust a mix."""
    try:
        (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot replace {out_dir / MANIFEST_NAME}: {exc.strerror or exc}"
        ) from None
