"""Airflow 2.x DAG: pretokenize >> bpe_merge >> encode_shards, one spark-submit each.

The stages' command lines come from pipeline.json, the same definition the Java test
PipelineDefinitionTest runs embedded, so the DAG cannot drift from the jobs.

Deploy (Airflow >= 2.4 with apache-airflow-providers-apache-spark; spark-submit on the workers):
  1. Build the spark-submit jar: `mvn -B -DskipTests package` writes
     jobs/target/bpe-jobs-0.1.0-SNAPSHOT-spark.jar. Put it where the Airflow workers can read it
     (default below: /opt/bpe-spark/bpe-jobs-0.1.0-SNAPSHOT-spark.jar; or pass spark_jar per run).
  2. Copy this file and conf/pipeline.json together into the DAGs folder (the DAG reads
     pipeline.json next to itself, else ../pipeline.json as in the repository).
  3. Create a Spark connection (Admin > Connections, type Spark; host e.g. spark://master:7077 or
     yarn) named spark_default, or name another one in the environment variable BPE_SPARK_CONN_ID
     of the scheduler and workers.
  4. Trigger with the params below (corpus paths, vocab size, special tokens, output root); the
     defaults are pipeline.json's. Every stage writes under output_root with --overwrite, so a
     scheduled run replaces the previous run's outputs (each output appears atomically when its
     stage succeeds).

Rendering: application_args is the Jinja template "{{ stage_args('<stage id>', params) }}". The
DAG renders templates as native objects, so that macro's list of strings becomes the argument list
(a list param such as corpus expands to several arguments, which string templates cannot do).
"""
import json
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG
from airflow.models.param import Param
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

SPARK_JAR = "/opt/bpe-spark/bpe-jobs-0.1.0-SNAPSHOT-spark.jar"
SPARK_CONN_ID = os.environ.get("BPE_SPARK_CONN_ID", "spark_default")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def find_definition():
    """pipeline.json next to this file (deployed) or one folder up (the repository's conf/)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "pipeline.json", here.parent / "pipeline.json"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("pipeline.json not found next to " + __file__ + " nor in its parent folder")


def load_definition(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _text(value, name):
    # bool is an int in Python; Java's renderer refuses it too.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError("param %s must be a string or an integer, got %r" % (name, value))


def render_stage_args(definition, stage_id, params):
    """A stage's command line for params (over the definition's defaults), by pipeline.json's rules.

    Mirrors org.bpespark.jobs.PipelineDefinition; PipelineDefinitionTest checks the two agree.
    """
    values = dict(definition["params"])
    values.update(params)
    stage = next((s for s in definition["stages"] if s["id"] == stage_id), None)
    if stage is None:
        raise ValueError("no stage %r in the pipeline definition" % stage_id)
    args = [stage["command"]]
    for template in stage["args"]:
        names = _PLACEHOLDER.findall(template)
        for name in names:
            if name not in values:
                raise ValueError("stage %s: %r names no param %s" % (stage_id, template, name))
        lists = sorted({name for name in names if isinstance(values[name], list)})
        if len(lists) > 1:
            raise ValueError("stage %s: %r names more than one list param: %s" % (stage_id, template, lists))
        list_name = lists[0] if lists else None
        for item in values[list_name] if list_name else [None]:
            args.append(_PLACEHOLDER.sub(
                lambda match: _text(item if match.group(1) == list_name else values[match.group(1)], match.group(1)),
                template))
    return args


DEFINITION = load_definition(find_definition())
DEFAULTS = DEFINITION["params"]


def stage_args(stage_id, params):
    """The Jinja macro behind each task's application_args."""
    return render_stage_args(DEFINITION, stage_id, params)


with DAG(
    dag_id="bpe_pipeline",
    description="Byte-level BPE on Spark: pretokenize, learn merges, encode the corpus into token shards",
    schedule="@weekly",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "bpe-spark",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
    },
    params={
        "corpus": Param(DEFAULTS["corpus"], type="array", items={"type": "string"}, minItems=1,
                        description="Input files, folders or globs (hdfs:, s3a:, file:)"),
        "vocab_size": Param(DEFAULTS["vocab_size"], type="integer", minimum=257,
                            description="256 bytes + merges + special tokens"),
        "special_tokens": Param(DEFAULTS["special_tokens"], type="array", items={"type": "string"}, minItems=1,
                                description="The first one separates documents in text input"),
        "output_root": Param(DEFAULTS["output_root"], type="string", minLength=1,
                             description="Folder for pretokenized/, tokenizer/ and shards/"),
        "spark_jar": Param(SPARK_JAR, type="string", minLength=1,
                           description="The spark-submit jar, as a path spark-submit on the worker can read"),
    },
    render_template_as_native_obj=True,
    user_defined_macros={"stage_args": stage_args},
    tags=["bpe", "spark", "tokenizer"],
) as dag:
    upstream = None
    for stage in DEFINITION["stages"]:
        spark = stage["spark"]
        task = SparkSubmitOperator(
            task_id=stage["id"],
            conn_id=SPARK_CONN_ID,
            application="{{ params.spark_jar }}",
            java_class=DEFINITION["main_class"],
            name="bpe-" + stage["command"],
            application_args="{{ stage_args('%s', params) }}" % stage["id"],
            driver_memory=spark["driver_memory"],
            executor_memory=spark["executor_memory"],
            conf=spark["conf"],
        )
        if upstream is not None:
            upstream >> task
        upstream = task
