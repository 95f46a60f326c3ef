"""Command line: a thin layer over the library. Errors become one line and exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from .errors import JeongjeError, environment_failure
from .version import __version__


def _friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Map library errors to a single `error: ...` line and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except JeongjeError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)
        except (MemoryError, OSError) as e:  # the environment failed outside any document
            failure = environment_failure(e) or e
            click.echo(f"error: {failure}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: finished shards are kept; run the same command to resume",
                       err=True)
            sys.exit(130)

    return wrapper


def _local_output(exists: bool) -> Callable[[click.Context, click.Parameter, str], str]:
    """Callback for the OUTPUT of commands that read a finished run on this machine: a URL
    is refused with what to do instead; a path is checked as click.Path does."""

    def check(ctx: click.Context, param: click.Parameter, value: str) -> str:
        from .errors import InputError
        from .io.location import local_folder

        try:
            folder = local_folder(value)
        except InputError as e:
            raise click.BadParameter(str(e)) from e
        return str(click.Path(exists=exists, file_okay=False).convert(str(folder), param, ctx))

    return check


def _run_options(names: tuple[str, ...] | None = None) -> Callable[..., Any]:
    """The run options (options.py) as click options: every one, or those in `names`. The
    parameters take the option names, so a command passes them on as they are."""
    import dataclasses
    import typing

    from .options import RunOptions, declared, default_of, literal_choices

    hints = typing.get_type_hints(RunOptions)
    decorators = []
    for f in dataclasses.fields(RunOptions):
        if names is not None and f.name not in names:
            continue
        how, hint = declared(f), hints[f.name]
        flag = how.flag or "--" + f.name.replace("_", "-")
        default = default_of(f)
        kw: dict[str, Any] = {"help": how.help, "metavar": how.metavar}
        origin = typing.get_origin(hint)
        if origin in (tuple, dict):
            kw["multiple"] = True
            if how.path:
                kw["type"] = click.Path(exists=True, file_okay=False)
        elif hint is bool and "/" not in flag:
            kw["is_flag"] = True
        else:
            kw["default"], kw["show_default"] = default, default is not None
            choices = literal_choices(hint)
            if choices and how.parse is None:
                kw["type"] = click.Choice(choices)
            elif hint is float:
                kw["type"] = click.FloatRange(min=how.minimum)
            elif how.minimum is not None:
                kw["type"] = click.IntRange(min=int(how.minimum))
        if how.parse is not None:
            kw["callback"] = _parsed(how.parse, dict if origin is dict else None)
        decls = [flag, *([how.short] if how.short else []), f.name]
        decorators.append(click.option(*decls, **kw))

    def apply(fn: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


def _parsed(parse: Callable[[str], Any], into: type | None) -> Callable[..., Any]:
    """A click callback that parses the command-line string(s) of an option."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        try:
            if into is dict:
                return dict(parse(v) for v in value)
            return parse(value) if isinstance(value, str) else value
        except ValueError as e:
            raise click.BadParameter(str(e)) from e

    return callback


_RECIPE = click.option("--recipe", "-r", default="korean-news", show_default=True,
                       help="Built-in recipe name or a recipe YAML file.")


_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _Commands(click.Group):
    """The command group, with click's argument errors (`--workers 0`, an unknown option)
    as one `error:` line and exit code 2 like every other error, not a usage block."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except _NO_ARGS as e:  # `jeongje` alone: the help, as click prints it
            click.echo(e.format_message(), err=True)
            sys.exit(2)
        except click.UsageError as e:
            hint = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
            click.echo(f"error: {e.format_message()}{hint}", err=True)
            sys.exit(2)
        except click.ClickException as e:
            click.echo(f"error: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        if isinstance(code, int) and code:
            sys.exit(code)  # click's Exit (--help, --version) as a return value
        return code


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jeongje")
def main() -> None:
    """jeongje (정제): refine raw Korean text into a clean, rights-aware corpus with a ledger
    that accounts for every input document."""


@main.command()
@click.option("--input", "-i", "inputs", multiple=True, required=True,
              help="JSONL (.jsonl, .gz, .zst), Parquet, WARC (.warc, .warc.gz), saved HTML "
                   "pages (.html), plain text (.txt, named explicitly): file, folder or glob; "
                   "repeatable.")
@click.option("--output", "-o", required=True,
              help="Output folder (documents/, ledger/, edits/, manifest.json): a local path or "
                   "an fsspec URL the workers can write (s3://bucket/prefix, gs://..., file:///...; "
                   "s3 needs pip install 'jeongje[s3]'). On an object store each file is uploaded "
                   "whole in one PUT (staged in $TMPDIR/jeongje-spill), so it appears only complete.")
@_RECIPE
@_run_options()
@_friendly
def run(inputs: tuple[str, ...], output: str, recipe: str, **options: Any) -> None:
    """Run a recipe over INPUT into OUTPUT; rerun the same command to resume."""
    from . import malloc
    from .api import run as run_api

    malloc.tune()  # this process runs the global phases (and the shards, with one worker)
    result = run_api(list(inputs), output, recipe, **options)
    _print_summary(result.output, result.manifest, result.resumed)


@main.command()
@click.option("--output", "-o", default="out/demo", show_default=True,
              type=click.Path(file_okay=False), help="Output folder.")
@_RECIPE
@_run_options(("workers", "format", "overwrite", "progress", "originals"))
@_friendly
def demo(output: str, recipe: str, **options: Any) -> None:
    """Run the default recipe on the bundled Korean sample corpus."""
    from .api import run as run_api
    from .sample import sample_path

    click.echo(f"input: bundled sample {sample_path()}")
    result = run_api([str(sample_path())], output, recipe, **options)
    _print_summary(result.output, result.manifest, result.resumed)


@main.command()
@click.argument("output", callback=_local_output(exists=True))
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Rows of the top publishers / domains tables.")
@_friendly
def stats(output: str, top: int) -> None:
    """Ledger summary of a finished run: documents and bytes per outcome/stage/reason (top
    reasons first), top publishers and source domains by removal, dedup cluster sizes."""
    from .summary import ledger_summary, render_table

    rows = ledger_summary(output)
    click.echo(render_table(rows, ["outcome", "stage", "reason", "documents", "share",
                                   "bytes_in", "bytes_out"]))
    _more_stats(output, top)
    manifest = Path(output) / "manifest.json"
    if manifest.is_file():
        import json

        from .cost import describe

        cost = json.loads(manifest.read_text(encoding="utf-8")).get("cost")
        if cost:
            click.echo(describe(cost))


@main.group()
def recipe() -> None:
    """Inspect recipes."""


@recipe.command("show")
@click.argument("name", default="korean-news")
@click.option("--explain", is_flag=True,
              help="Every parameter of every stage with its meaning, unit and default (and the "
                   "value this recipe gives it), instead of YAML.")
@click.option("--set", "overrides", multiple=True, metavar="STAGE.PARAM=VALUE",
              callback=_parsed(lambda item: _override(item), dict), help="Show the recipe with this change (as run --set).")
@_friendly
def recipe_show(name: str, explain: bool, overrides: dict[str, Any]) -> None:
    """Print recipe NAME (built-in name or YAML file) fully resolved, as YAML to start from;
    with --explain, what every parameter means."""
    from .recipe import load_recipe

    loaded = load_recipe(name, overrides)
    if not explain:
        click.echo(loaded.to_yaml(), nl=False)
        return
    from .params import explained

    click.echo(f"recipe {loaded.name}: {' '.join(loaded.description.split())}")
    click.echo(f"change a parameter with: jeongje run ... -r {name} --set STAGE.PARAM=VALUE")
    for stage in loaded.stages:
        doc = " ".join((type(stage).__doc__ or stage.description).split())
        click.echo(f"\n{stage.name}@{stage.version}: {doc}")
        values = stage.params()
        for p in explained(type(stage)):
            value = values.get(p["name"], p["default"])
            head = f"  {stage.name}.{p['name']} ({p['type']}{', ' + p['unit'] if p['unit'] else ''})"
            shown = f"default {_yaml_value(p['default'])}"
            if _yaml_value(value) != _yaml_value(p["default"]):
                shown = f"{_yaml_value(value)} in this recipe, " + shown
            click.echo(f"{head}: {shown}")
            if p["help"]:
                click.echo(f"      {p['help']}")


def _override(item: str) -> tuple[str, Any]:
    from .options import override_item

    return override_item(item)


def _yaml_value(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@recipe.command("list")
def recipe_list() -> None:
    """List built-in recipes (what each is for) and registered stages."""
    from .recipe import builtin_recipes, load_recipe
    from .registry import registry

    click.echo("recipes:")
    for name in builtin_recipes():
        description = " ".join(load_recipe(name).description.split())
        click.echo(f"  {name:<12} {description.split(': ')[0].split('. ')[0].rstrip('.')}")
    click.echo("stages:")
    for name, cls in sorted(registry().items()):
        click.echo(f"  {name}@{cls.version}  {cls.description}")


@main.group()
def dedup() -> None:
    """Deduplication tools."""


@dedup.command("curve")
@click.option("--bands", type=click.IntRange(min=1), default=25, show_default=True)
@click.option("--rows", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=0.7, show_default=True)
@click.option("--verify", type=click.Choice(["exact", "estimate"]), default="exact", show_default=True,
              help="the stage's verify parameter: exact is true at every length, estimate is "
                   "optimistic for short texts")
def dedup_curve(bands: int, rows: int, threshold: float, verify: str) -> None:
    """Probability that a pair of a given true Jaccard similarity is found as a duplicate
    by dedup.minhash with these settings, and the integrated false-positive/negative areas.
    A pair below the threshold whose containment passes is found with its P(candidate)."""
    from .dedup.curve import curve, errors
    from .summary import render_table

    rows_out = [{"similarity": f"{r['similarity']:.2f}", "P(candidate)": f"{r['candidate']:.3f}",
                 "P(verified)": f"{r['verified']:.3f}", "P(detected)": f"{r['detected']:.3f}"}
                for r in curve(bands, rows, threshold, verify=verify)]
    click.echo(f"bands={bands} rows={rows} num_perm={bands * rows} threshold={threshold} verify={verify}")
    click.echo(render_table(rows_out, ["similarity", "P(candidate)", "P(verified)", "P(detected)"]))
    fp, fn = errors(bands, rows, threshold, verify=verify)
    click.echo(f"false-positive area below the threshold: {fp:.4f}; "
               f"false-negative area above it: {fn:.4f}")


@main.group()
def decontam() -> None:
    """Benchmark decontamination: build an index of benchmark items."""


@decontam.command("index")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="the index file to write (.npz)")
@click.option("--benchmarks", "descriptions", multiple=True, help="YAML file describing more benchmarks")
@click.option("--only", multiple=True, help="index only this benchmark (repeatable)")
@click.option("--n", type=click.IntRange(min=4), default=10, show_default=True, help="n-gram length in folded characters")
@click.option("--max-df", type=click.IntRange(min=1), default=50, show_default=True,
              help="n-grams in more items than this are left out (stock phrases)")
@click.option("--min-ngrams", type=click.IntRange(min=1), default=15, show_default=True,
              help="items with fewer n-grams are listed as too short to match")
@_friendly
def decontam_index(paths: tuple[str, ...], output: str, descriptions: tuple[str, ...], only: tuple[str, ...],
                   n: int, max_df: int, min_ngrams: int) -> None:
    """Index the benchmark files under PATHS (folders or files; NAME=PATH takes every data
    file under PATH as benchmark NAME). Use it with `decontaminate: {index: OUTPUT}`."""
    from . import decontam as dc
    from .summary import render_table

    header = dc.build(list(paths), output, list(descriptions), list(only), n, max_df, min_ngrams)
    rows = [{"benchmark": name, "items": c["items"], "too short": c["too_short"],
             "files": sum(1 for s in header["sources"] if s["benchmark"] == name)}
            for name, c in sorted(header["per_benchmark"].items())]
    click.echo(render_table(rows, ["benchmark", "items", "too short", "files"]))
    click.echo(f"{output}: {header['ngrams']:,} n-grams (n={n}, {header['common_ngrams']:,} common ones left out), "
               f"built in {header['build_seconds']} s, blake2b {header['checksum']}")


@decontam.command("report")
@click.argument("output", callback=_local_output(exists=True))
@click.option("--items", "show_items", type=click.IntRange(min=0), default=20, show_default=True,
              help="items to list, most widespread first")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="write every item found to this JSON file")
@_friendly
def decontam_report(output: str, show_items: int, json_path: str | None) -> None:
    """Per benchmark and item, how many documents of finished run OUTPUT held it, and where."""
    import json

    from .api import read_documents, read_ledger, read_manifest
    from .decontam.index import load_index
    from .decontam.report import summarise
    from .errors import InputError
    from .summary import render_table

    manifest = read_manifest(output)
    specs = [s for s in manifest["recipe"]["stages"] if s["stage"] == "decontaminate"]
    if not specs:
        raise InputError(f"{output}: the run's recipe has no decontaminate stage")
    index_items = None
    try:
        header = load_index(specs[0]["params"]["index"]).header
        index_items = {k: v["items"] for k, v in header["per_benchmark"].items()}
    except (OSError, ValueError):
        click.echo(f"note: index {specs[0]['params']['index']} not readable; item totals left out", err=True)
    ledger = read_ledger(output).select(["id", "outcome", "reason", "detail", "publisher", "domain"]).to_pylist()
    documents = read_documents(output).select(["id", "metadata"]).to_pylist()
    summary = summarise(ledger, documents, index_items)
    click.echo(f"{summary['documents']:,} documents held benchmark items "
               f"(policy {specs[0]['params']['policy']})")
    click.echo(render_table(summary["benchmarks"], ["benchmark", "items_found", "items", "documents", "top_domains"]))
    if show_items and summary["items"]:
        rows = [{**i, "domains": ", ".join(i["domains"])} for i in summary["items"][:show_items]]
        click.echo(render_table(rows, ["benchmark", "item", "documents", "domains"]))
    if json_path:
        with open(json_path, "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False, indent=1)


def _print_summary(output: Path | str, manifest: dict[str, Any], resumed: bool) -> None:
    from .summary import run_summary

    click.echo(run_summary(output, manifest, resumed))


@main.command()
@click.argument("output", callback=_local_output(exists=False))
@click.option("--per-reason", type=click.IntRange(min=1), default=25, show_default=True,
              help="Documents in the browser per outcome/stage/reason (those with a kept original first).")
@click.option("--all-below", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Runs with at most this many records show every record in the browser.")
@_friendly
def report(output: str, per_reason: int, all_below: int) -> None:
    """Write OUTPUT/report/index.html: a self-contained, offline HTML report of a finished
    run (summary, plots, sortable tables and a before/after document browser)."""
    from .report.html import write_report

    path = write_report(output, per_reason=per_reason, all_below=all_below,
                        log=lambda msg: click.echo(f"report: {msg}", err=True))
    click.echo(f"report: {path.resolve().as_uri()}")


@main.command()
@click.argument("output", callback=_local_output(exists=False))
@click.option("--publisher", "publishers", multiple=True,
              help="Publisher name (as in publisher/press/site_name metadata, a rights notice or a byline); repeatable.")
@click.option("--domain", "domains", multiple=True,
              help="Host whose documents go (subdomains included), e.g. news.example.kr; repeatable.")
@click.option("--registry", type=click.Path(exists=True, dir_okay=False),
              help="A publisher registry YAML file (the format of publishers.yaml in the package).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only documents dated on or after this day (undated documents go too).")
@click.option("--dry-run", is_flag=True, help="List what would be removed; change nothing.")
@_friendly
def optout(output: str, publishers: tuple[str, ...], domains: tuple[str, ...], registry: str | None,
           since: Any, dry_run: bool) -> None:
    """Remove a publisher's kept documents from a finished OUTPUT without reprocessing:
    each removal is a new ledger event (stage optout, reason rights_optout); the manifest
    and an existing report are updated. Running it again changes nothing."""
    from .optout import optout as optout_api
    from .summary import render_table

    result = optout_api(output, publishers, domains, registry, since.date() if since else None,
                        dry_run=dry_run, log=lambda msg: click.echo(f"optout: {msg}", err=True))
    if result.matches:
        shown = result.matches[:50]
        click.echo(render_table(shown, ["id", "entry", "part"]))
        if len(result.matches) > len(shown):
            click.echo(f"... and {len(result.matches) - len(shown):,} more")
    verb = "would remove" if dry_run else "removed"
    click.echo(f"optout: {verb} {len(result.matches):,} kept documents in {result.seconds:.1f}s"
               + (f"; ledger events in {result.ledger_file}" if result.ledger_file else ""))


def _more_stats(output: str, top: int) -> None:
    from .summary import more_stats

    text = more_stats(Path(output), top)
    if text:
        click.echo(text)
