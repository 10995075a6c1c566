"""Tests of the Airflow DAG conf/airflow/bpe_pipeline_dag.py against conf/pipeline.json.

These tests do NOT use Airflow, which cannot be installed here. They load the DAG file against a
minimal stand-in for the Airflow classes it imports (airflow_stand_in.py), which records each
operator's constructor arguments and the >> dependencies, and check those records: task ids and
order, java_class, application, Spark settings, retries, schedule, params, and each task's
application_args rendered with the DAG's default params.

Rendering: the DAG has Airflow render templates as native objects, and its templates are
`{{ params.NAME }}` and `{{ stage_args('STAGE', params) }}`, which are Python expressions as well
as Jinja ones. `render_native` below evaluates them the way Airflow's native rendering would
(Jinja looks `params.NAME` up as an attribute, then as a key; a str result goes through
ast.literal_eval if it can). What Airflow itself does with the arguments (spark-submit command
line, param validation) is not tested here.

Run: python3 -m unittest discover -s conf/airflow/tests -v
"""
import ast
import json
import re
import unittest
from datetime import timedelta
from pathlib import Path

import airflow_stand_in

PIPELINE_JSON = Path(__file__).resolve().parent.parent.parent / "pipeline.json"
STAGE_IDS = ["pretokenize", "bpe_merge", "encode_shards"]
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}")


class _Params(dict):
    """params as a template sees them: params.corpus or params['corpus']."""
    __getattr__ = dict.__getitem__


def render_native(template, params, macros):
    """A template as Airflow renders it with render_template_as_native_obj=True, for the DAG's forms."""
    scope = dict(macros, params=_Params(params))

    def evaluate(expression):
        return eval(expression, {"__builtins__": {}}, scope)  # noqa: S307 - our own templates

    whole = re.fullmatch(r"\{\{(.*)\}\}", template)
    value = evaluate(whole.group(1)) if whole else _EXPRESSION.sub(lambda m: str(evaluate(m.group(1))), template)
    if isinstance(value, str):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


def option(args, name):
    """The values after an option, up to the next option."""
    at = args.index(name) + 1
    end = next((i for i in range(at, len(args)) if args[i].startswith("--")), len(args))
    return args[at:end]


class DagTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = airflow_stand_in.load_dag_module()
        cls.dag = cls.module.dag
        with open(PIPELINE_JSON, encoding="utf-8") as f:
            cls.definition = json.load(f)
        cls.defaults = {name: p.default for name, p in cls.dag.kwargs["params"].items()}

    def rendered_args(self, task, params):
        return render_native(task.kwargs["application_args"], params, self.dag.kwargs["user_defined_macros"])

    def test_dag_reads_conf_pipeline_json(self):
        self.assertEqual(self.definition, self.module.DEFINITION)
        self.assertEqual(STAGE_IDS, [s["id"] for s in self.definition["stages"]])

    def test_three_tasks_in_order(self):
        tasks = self.dag.tasks
        self.assertEqual(STAGE_IDS, list(tasks))
        self.assertEqual(set(), tasks["pretokenize"].upstream_task_ids)
        self.assertEqual({"bpe_merge"}, tasks["pretokenize"].downstream_task_ids)
        self.assertEqual({"pretokenize"}, tasks["bpe_merge"].upstream_task_ids)
        self.assertEqual({"encode_shards"}, tasks["bpe_merge"].downstream_task_ids)
        self.assertEqual({"bpe_merge"}, tasks["encode_shards"].upstream_task_ids)
        self.assertEqual(set(), tasks["encode_shards"].downstream_task_ids)

    def test_schedule_retries_and_runs(self):
        kwargs = self.dag.kwargs
        self.assertEqual("bpe_pipeline", self.dag.dag_id)
        self.assertEqual("@weekly", kwargs["schedule"])
        self.assertIs(False, kwargs["catchup"])
        self.assertEqual(1, kwargs["max_active_runs"])
        self.assertGreaterEqual(kwargs["default_args"]["retries"], 1)
        self.assertIsInstance(kwargs["default_args"]["retry_delay"], timedelta)
        self.assertGreater(kwargs["default_args"]["retry_delay"], timedelta(0))
        # application_args renders to a list only with native rendering.
        self.assertIs(True, kwargs["render_template_as_native_obj"])

    def test_params_default_to_the_definition(self):
        params = self.dag.kwargs["params"]
        self.assertEqual({"corpus", "vocab_size", "special_tokens", "output_root", "spark_jar"}, set(params))
        for name, default in self.definition["params"].items():
            self.assertEqual(default, params[name].default, name)
        self.assertEqual("array", params["corpus"].schema["type"])
        self.assertEqual("integer", params["vocab_size"].schema["type"])
        self.assertEqual("array", params["special_tokens"].schema["type"])
        self.assertEqual("string", params["output_root"].schema["type"])
        self.assertTrue(params["spark_jar"].default.endswith("/bpe-jobs-0.1.0-SNAPSHOT-spark.jar"))

    def test_each_task_submits_the_cli_with_its_stage_settings(self):
        macros = self.dag.kwargs["user_defined_macros"]
        for stage in self.definition["stages"]:
            kwargs = self.dag.tasks[stage["id"]].kwargs
            self.assertEqual("org.bpespark.jobs.cli.PipelineCli", kwargs["java_class"])
            self.assertEqual(self.definition["main_class"], kwargs["java_class"])
            self.assertEqual(self.defaults["spark_jar"], render_native(kwargs["application"], self.defaults, macros))
            self.assertEqual(self.module.SPARK_CONN_ID, kwargs["conn_id"])
            self.assertEqual(stage["spark"]["driver_memory"], kwargs["driver_memory"])
            self.assertEqual(stage["spark"]["executor_memory"], kwargs["executor_memory"])
            self.assertEqual(stage["spark"]["conf"], kwargs["conf"])
        # The merge loop runs on the driver: bpe_merge's driver gets the most memory.
        gigabytes = {task_id: int(task.kwargs["driver_memory"].rstrip("g")) for task_id, task in self.dag.tasks.items()}
        self.assertEqual("bpe_merge", max(gigabytes, key=gigabytes.get), gigabytes)

    def test_application_args_render_to_the_definitions_command_lines(self):
        overridden = dict(self.defaults, corpus=["hdfs:///a/x.txt", "s3a://b/y/*.zst"], vocab_size=32000,
                          special_tokens=["<|endoftext|>", "<|pad|>"], output_root="s3a://bucket/run 1")
        for params in (self.defaults, overridden):
            for stage in self.definition["stages"]:
                expected = self.module.render_stage_args(self.definition, stage["id"], params)
                with self.subTest(stage=stage["id"], params=params):
                    self.assertEqual(expected, self.rendered_args(self.dag.tasks[stage["id"]], params))

    def test_stages_chain_their_outputs(self):
        """Each stage reads what the one before wrote, and everything is written under output_root."""
        params = dict(self.defaults, corpus=["hdfs:///a/x.txt", "hdfs:///b/"], special_tokens=["<|endoftext|>", "<|pad|>"])
        pre, merge, encode = (self.rendered_args(self.dag.tasks[s], params) for s in STAGE_IDS)
        root = params["output_root"]
        self.assertEqual(["pretokenize", "--input", "hdfs:///a/x.txt", "hdfs:///b/"], pre[:4])
        self.assertEqual([root + "/pretokenized"], option(pre, "--output"))
        self.assertEqual("bpe-merge", merge[0])
        self.assertEqual(option(pre, "--output"), option(merge, "--input"))
        self.assertEqual([str(params["vocab_size"])], option(merge, "--vocab-size"))
        self.assertEqual([root + "/tokenizer"], option(merge, "--output"))
        self.assertEqual("encode-shards", encode[0])
        self.assertEqual(option(merge, "--output"), option(encode, "--tokenizer"))
        self.assertEqual(params["corpus"], option(encode, "--input"))
        self.assertEqual([root + "/shards"], option(encode, "--output"))
        for args in (pre, merge, encode):
            self.assertEqual(["--special-token=<|endoftext|>", "--special-token=<|pad|>"],
                             [a for a in args if a.startswith("--special-token")])


class RenderingRulesTest(unittest.TestCase):
    """pipeline.json's rendering rules, which org.bpespark.jobs.PipelineDefinition implements too."""

    @classmethod
    def setUpClass(cls):
        cls.render = staticmethod(airflow_stand_in.load_dag_module().render_stage_args)

    def definition(self, *args):
        return {"params": {"files": ["a", "b"], "n": 7, "root": "r", "empty": []},
                "stages": [{"id": "s", "command": "cmd", "args": list(args)}]}

    def test_substitution(self):
        self.assertEqual(["cmd", "--n", "7", "r/out", "r-7", "{not a param}", "x"],
                         self.render(self.definition("--n", "{n}", "{root}/out", "{root}-{n}", "{not a param}", "x"),
                                     "s", {}))

    def test_a_list_param_makes_one_argument_per_item(self):
        definition = self.definition("--in", "{files}", "--t={files}:{n}", "{empty}", "end")
        self.assertEqual(["cmd", "--in", "a", "b", "--t=a:7", "--t=b:7", "end"], self.render(definition, "s", {}))

    def test_given_params_replace_the_defaults(self):
        self.assertEqual(["cmd", "z", "300", "q"],
                         self.render(self.definition("{files}", "{n}", "{root}"), "s", {"files": ["z"], "n": 300, "root": "q"}))

    def test_refused(self):
        for args, params in ((["{missing}"], {}), (["{files}{empty}"], {}), (["{n}"], {"n": True}),
                             (["{n}"], {"n": 1.5}), (["{files}"], {"files": [None]})):
            with self.subTest(args=args, params=params), self.assertRaises(ValueError):
                self.render(self.definition(*args), "s", params)
        with self.assertRaises(ValueError):
            self.render(self.definition(), "no such stage", {})


if __name__ == "__main__":
    unittest.main()
