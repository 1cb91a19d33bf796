"""CloudWatch metric alarms that evaluate, as CloudWatch does, the metrics tests put with PutMetricData.

Each alarm looks at the most recent complete periods of its metric (namespace, name, exact dimensions,
unit if given) with its statistic, compares them with the threshold and applies DatapointsToAlarm out of
EvaluationPeriods and TreatMissingData over an evaluation range of EvaluationPeriods + 2 periods, following
"How alarm state is evaluated when data is missing" in CloudWatch's documentation (including the
premature-alarm rule). Periods are multiplied by --time-scale, like health-check intervals: Period 60 at
--time-scale 0.1 evaluates 6-second periods aligned to multiples of 6 s. An alarm is evaluated each time a
period completes, and right after PutMetricAlarm or SetAlarmState.

Two states are kept: the alarm's StateValue (what DescribeAlarms shows; SetAlarmState changes it until
the next evaluation) and the state of the data stream, which Route 53 health checks follow (AWS: "you
can't force the status of a health check to change by using SetAlarmState"). New alarms start in
INSUFFICIENT_DATA; updating an alarm keeps its state. Alarms on metric math (Metrics) are not evaluated.
Callers hold state.LOCK.
"""

import datetime
import json
import math

from . import cw_stats
from .state import SETTINGS, iso, log, now

OPERATORS = {"GreaterThanOrEqualToThreshold": lambda v, t: v >= t, "GreaterThanThreshold": lambda v, t: v > t,
             "LessThanThreshold": lambda v, t: v < t, "LessThanOrEqualToThreshold": lambda v, t: v <= t}
EXTRA_PERIODS = 2  # evaluation range = EvaluationPeriods + 2 (CloudWatch's tables: 3 -> 5)
RETAIN = "RETAIN"


def utc(t: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).replace(tzinfo=None)


def decide(points: list, n: int, m: int, treat: str) -> tuple[str, str]:
    """(state, why) from the evaluation range, oldest first: True breaching, False not, None missing."""
    recent = points[-n:]
    real = [p for p in points if p is not None]
    if None not in recent:
        used = recent
    elif len(real) >= n:
        used = real[-n:]
    else:
        used = None
    if used is not None:
        breaching = sum(used)
        return ("ALARM" if breaching >= m else "OK"), f"{breaching} of the last {n} datapoints breaching"
    # Fewer real datapoints than EvaluationPeriods: fill the gap as TreatMissingData says.
    fill = n - len(real)
    if treat == "breaching":
        breaching = sum(real) + fill
        return ("ALARM" if breaching >= m else "OK"), f"{fill} missing datapoints treated as breaching"
    if treat == "notBreaching":
        return ("ALARM" if sum(real) >= m else "OK"), f"{fill} missing datapoints treated as not breaching"
    if not real:
        return (RETAIN if treat == "ignore" else "INSUFFICIENT_DATA"), "no datapoints in the evaluation range"
    if sum(real) >= m:
        return "ALARM", f"{sum(real)} breaching datapoints"
    # The premature-alarm rule: with only breaching and missing data in the range, a breaching point
    # among the last n that is at least m periods old alarms (ignore: keeps the state instead).
    ages = [age for age, p in enumerate(reversed(recent), start=1) if p is True]
    if all(real) and ages and max(ages) >= m:
        return (RETAIN if treat == "ignore" else "ALARM"), "breaching datapoint followed only by missing data"
    return "OK", f"{sum(real)} of {len(real)} available datapoints breaching"


class AlarmEngine:
    def __init__(self):
        self.data_state: dict[tuple, str] = {}  # (account, region, name) -> OK | ALARM | INSUFFICIENT_DATA
        self.evaluated_bucket: dict[tuple, int] = {}
        self.history: dict[tuple, list] = {}  # (account, region, name) -> AlarmHistoryItems, oldest first

    def reset(self):
        self.data_state.clear()
        self.evaluated_bucket.clear()
        self.history.clear()

    @staticmethod
    def backends():
        from moto.cloudwatch.models import cloudwatch_backends

        for account, per_account in list(dict.items(cloudwatch_backends)):
            for region, backend in list(dict.items(per_account)):
                yield account, region, backend

    def stream_state(self, account: str, region: str, name: str) -> str | None:
        return self.data_state.get((account, region, name))

    def find(self, account: str, region: str, name: str):
        from moto.cloudwatch.models import cloudwatch_backends

        per_account = dict.get(cloudwatch_backends, account)
        backend = dict.get(per_account, region) if per_account is not None else None
        return None if backend is None else backend.alarms.get(name)

    # ---- evaluation ------------------------------------------------------------------------------
    def tick(self):
        t = now()
        for account, region, backend in self.backends():
            for alarm in list(backend.alarms.values()):
                if alarm.rule is not None or not alarm.metric_name:
                    continue  # composite and metric-math alarms are not evaluated here
                period = max(float(alarm.period or 60) * SETTINGS.time_scale, 0.05)
                last_complete = math.floor(t / period) - 1
                key = (account, region, alarm.name)
                if self.evaluated_bucket.get(key) != last_complete:
                    self.evaluated_bucket[key] = last_complete
                    self.evaluate(account, region, backend, alarm, period, last_complete)

    def evaluate(self, account, region, backend, alarm, period: float, last_bucket: int):
        n = int(alarm.evaluation_periods or 1)
        m = int(alarm.datapoints_to_alarm or n)
        compare = OPERATORS.get(alarm.comparison_operator)
        stat = alarm.statistic or alarm.extended_statistic
        key = (account, region, alarm.name)
        if compare is None or not stat or alarm.threshold is None:
            state, why = "INSUFFICIENT_DATA", f"comparison {alarm.comparison_operator} is not evaluated here"
            values = []
        else:
            first = last_bucket - (n + EXTRA_PERIODS) + 1
            start, end = first * period, (last_bucket + 1) * period
            buckets: dict[int, list] = {}
            for ts, md in cw_stats.series(backend, alarm.namespace, alarm.metric_name, alarm.dimensions, alarm.unit):
                if start <= ts < end:
                    buckets.setdefault(int(ts // period), []).append(md)
            values = [cw_stats.stat_value(buckets.get(i, []), stat) for i in range(first, last_bucket + 1)]
            points = [None if v is None else compare(v, float(alarm.threshold)) for v in values]
            treat = alarm.treat_missing_data or ("ignore" if alarm.namespace == "AWS/DynamoDB" else "missing")
            state, why = decide(points, n, m, treat)
        if state == RETAIN:
            return
        self.data_state[key] = state
        if state != alarm.state_value:
            recent = [(v, (last_bucket - len(values) + 1 + i) * period) for i, v in enumerate(values) if v is not None]
            shown = ", ".join(f"{v:g} ({utc(ts).strftime('%d/%m/%y %H:%M:%S')})" for v, ts in reversed(recent[-n:]))
            if state == "INSUFFICIENT_DATA":
                reason = f"Insufficient Data: {why}"
            else:
                reason = (f"Threshold Crossed: {why} [{shown}] (comparison {alarm.comparison_operator}, "
                          f"threshold {float(alarm.threshold or 0):g})")
            data = {"version": "1.0", "queryDate": iso(now()), "statistic": stat, "period": alarm.period,
                    "scaledPeriodSeconds": period, "recentDatapoints": [v for v, _ in recent[-n:]],
                    "threshold": alarm.threshold}
            self.transition(account, region, alarm, state, reason, json.dumps(data))

    def transition(self, account, region, alarm, state: str, reason: str, reason_data: str):
        old = alarm.state_value
        alarm.update_state(reason, reason_data, state)  # moto keeps StateUpdatedTimestamp
        alarm.state_transitioned_timestamp = alarm.state_updated_timestamp
        self.add_history(account, region, alarm.name, "StateUpdate", f"Alarm updated from {old} to {state}",
                         {"version": "1.0", "oldState": {"stateValue": old},
                          "newState": {"stateValue": state, "stateReason": reason}})
        log(f"alarm {alarm.name} ({region}) {old} -> {state}: {reason}")

    def add_history(self, account, region, name, kind: str, summary: str, data: dict):
        items = self.history.setdefault((account, region, name), [])
        items.append({"AlarmName": name, "AlarmType": "MetricAlarm", "Timestamp": utc(now()),
                      "HistoryItemType": kind, "HistorySummary": summary, "HistoryData": json.dumps(data)})
        del items[:-1000]

    # ---- API hooks -------------------------------------------------------------------------------
    def on_put(self, account, region, alarm, previous):
        """PutMetricAlarm: a new alarm starts in INSUFFICIENT_DATA; an update keeps state and history."""
        if previous is None:
            alarm.state_value, alarm.state_reason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
            self.add_history(account, region, alarm.name, "ConfigurationUpdate", f'Alarm "{alarm.name}" created',
                             {"type": "Create", "version": "1.0"})
        else:
            for attr in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
                setattr(alarm, attr, getattr(previous, attr))
            alarm.state_transitioned_timestamp = getattr(previous, "state_transitioned_timestamp", None)
            self.add_history(account, region, alarm.name, "ConfigurationUpdate", f'Alarm "{alarm.name}" updated',
                             {"type": "Update", "version": "1.0"})
        alarm.state_transitioned_timestamp = getattr(alarm, "state_transitioned_timestamp", None) or \
            alarm.state_updated_timestamp
        alarm.alarm_configuration_updated_timestamp = alarm.configuration_updated_timestamp
        self.evaluated_bucket.pop((account, region, alarm.name), None)  # evaluate at the next tick

    def on_set_state(self, account, region, alarm, old: str):
        alarm.state_transitioned_timestamp = alarm.state_updated_timestamp
        self.add_history(account, region, alarm.name, "StateUpdate",
                         f"Alarm updated from {old} to {alarm.state_value}",
                         {"version": "1.0", "oldState": {"stateValue": old},
                          "newState": {"stateValue": alarm.state_value, "stateReason": alarm.state_reason}})
        self.evaluated_bucket.pop((account, region, alarm.name), None)  # CloudWatch soon re-evaluates

    def on_delete(self, account, region, names):
        for name in names:
            self.data_state.pop((account, region, name), None)
            self.evaluated_bucket.pop((account, region, name), None)

    def describe_history(self, account, region, params: dict) -> list:
        names = [params["AlarmName"]] if params.get("AlarmName") else None
        items = [i for (a, r, n), hist in self.history.items() if a == account and r == region
                 and (names is None or n in names) for i in hist]
        if params.get("HistoryItemType"):
            items = [i for i in items if i["HistoryItemType"] == params["HistoryItemType"]]
        if params.get("StartDate") is not None:
            items = [i for i in items if cw_stats.epoch(i["Timestamp"]) >= cw_stats.epoch(params["StartDate"])]
        if params.get("EndDate") is not None:
            items = [i for i in items if cw_stats.epoch(i["Timestamp"]) <= cw_stats.epoch(params["EndDate"])]
        items.sort(key=lambda i: i["Timestamp"], reverse=params.get("ScanBy") != "TimestampAscending")
        return items[:int(params.get("MaxRecords") or 100)]


ALARMS = AlarmEngine()


def install():
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    put_original, set_original = CloudWatchBackend.put_metric_alarm, CloudWatchBackend.set_alarm_state
    delete_original = CloudWatchBackend.delete_alarms

    def put_metric_alarm(self, name, *args, **kwargs):
        previous = self.alarms.get(name)
        alarm = put_original(self, name, *args, **kwargs)
        ALARMS.on_put(self.account_id, self.region_name, alarm, previous)
        return alarm

    def set_alarm_state(self, alarm_name, reason, reason_data, state_value):
        old = self.alarms[alarm_name].state_value if alarm_name in self.alarms else None
        set_original(self, alarm_name, reason, reason_data, state_value)
        ALARMS.on_set_state(self.account_id, self.region_name, self.alarms[alarm_name], old)

    def delete_alarms(self, alarm_names):
        delete_original(self, alarm_names)
        ALARMS.on_delete(self.account_id, self.region_name, alarm_names)

    def describe_alarm_history(self):
        params = self._get_params()
        items = ALARMS.describe_history(self.current_account, self.region, params)
        return ActionResult({"AlarmHistoryItems": items})

    CloudWatchBackend.put_metric_alarm = put_metric_alarm
    CloudWatchBackend.set_alarm_state = set_alarm_state
    CloudWatchBackend.delete_alarms = delete_alarms
    CloudWatchResponse.describe_alarm_history = describe_alarm_history
