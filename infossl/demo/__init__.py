"""``infossl demo``: the estimator showcase and the training story, in one package.

:mod:`infossl.demo.story` tells the story (estimators on tasks with known answers, then two
digits runs with their diagnostics, reports and comparison); :mod:`infossl.demo.digits_run`
trains one digits run and probes it. The command itself is :mod:`infossl.cli.demo_cmd`.
"""
