"""A minimal stand-in for the Airflow classes bpe_pipeline_dag.py imports. It is NOT Airflow.

Airflow cannot be installed here, so the DAG is loaded against these classes instead: DAG records
its arguments and the tasks created inside `with DAG(...)`, Param records its default and schema,
and SparkSubmitOperator records its constructor arguments and the `>>` dependencies. Nothing is
validated or run the way Airflow would.
"""
import importlib.util
import sys
import types
from pathlib import Path

DAG_FILE = Path(__file__).resolve().parent.parent / "bpe_pipeline_dag.py"


class DAG:
    _current = None

    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = {}  # task id -> operator, in creation order

    def __enter__(self):
        DAG._current = self
        return self

    def __exit__(self, *exc):
        DAG._current = None
        return False


class Param:
    def __init__(self, default, description=None, **schema):
        self.default = default
        self.description = description
        self.schema = schema


class SparkSubmitOperator:
    def __init__(self, *, task_id, **kwargs):
        dag = DAG._current
        if dag is None:
            raise RuntimeError("operator %s created outside `with DAG(...)`" % task_id)
        if task_id in dag.tasks:
            raise ValueError("duplicate task id " + task_id)
        dag.tasks[task_id] = self
        self.task_id = task_id
        self.kwargs = kwargs
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()

    def __rshift__(self, other):
        self.downstream_task_ids.add(other.task_id)
        other.upstream_task_ids.add(self.task_id)
        return other


def install():
    """Puts the stand-in modules in sys.modules under Airflow's module names."""
    modules = {
        "airflow": {"DAG": DAG},
        "airflow.models": {},
        "airflow.models.param": {"Param": Param},
        "airflow.providers": {},
        "airflow.providers.apache": {},
        "airflow.providers.apache.spark": {},
        "airflow.providers.apache.spark.operators": {},
        "airflow.providers.apache.spark.operators.spark_submit": {"SparkSubmitOperator": SparkSubmitOperator},
    }
    for name, attributes in modules.items():
        module = types.ModuleType(name, "stand-in for " + name + " (not Airflow)")
        module.__dict__.update(attributes)
        sys.modules[name] = module


def load_dag_module():
    """Installs the stand-in and imports the DAG file; returns the module (its `dag`, functions, definition)."""
    install()
    spec = importlib.util.spec_from_file_location("bpe_pipeline_dag", DAG_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
