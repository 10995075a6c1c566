#!/usr/bin/env python3
"""Prints every stage's command line for a pipeline definition and params, rendered by the DAG's code.

Usage: render_args.py PIPELINE_JSON PARAMS_JSON
Prints one JSON object: stage id -> argument list. PipelineDefinitionTest (Java) runs it and
checks that org.bpespark.jobs.PipelineDefinition renders the same lists. The DAG file is loaded
with the Airflow stand-in (airflow_stand_in.py), since Airflow is not installed here.
"""
import json
import sys

import airflow_stand_in


def main(definition_path, params_path):
    dag_module = airflow_stand_in.load_dag_module()
    definition = dag_module.load_definition(definition_path)
    with open(params_path, encoding="utf-8") as f:
        params = json.load(f)
    rendered = {stage["id"]: dag_module.render_stage_args(definition, stage["id"], params)
                for stage in definition["stages"]}
    print(json.dumps(rendered))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: render_args.py PIPELINE_JSON PARAMS_JSON")
    main(sys.argv[1], sys.argv[2])
