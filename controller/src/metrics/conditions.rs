//! The condition series: one per condition of each object, labelled with its type, status and
//! reason (docs/architecture.md, "Metrics"). Six series per object make this the largest family,
//! so its labels are kept small ("Memory"): the operator's own names are indexes into their
//! vocabularies, and the series an object has now are remembered without its name.

use std::sync::Arc;

use prometheus_client::encoding::{EncodeLabel, EncodeLabelSet, LabelSetEncoder};

use super::{Metrics, ObjectLabels};
use crate::{
    api::{ConditionStatus, RegionalFailoverStatus},
    status::{ConditionReason, ConditionType},
};

/// A condition type or reason as written: an index into the condition types followed by the
/// reasons when it is one of the operator's own names, the string itself otherwise (a name from
/// another version is exported as written).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Name {
    Known(u16),
    Other(Arc<str>),
}

fn vocabulary() -> impl Iterator<Item = &'static str> {
    ConditionType::ALL.iter().map(|t| t.as_str()).chain(ConditionReason::ALL.iter().map(|r| r.as_str()))
}

impl Name {
    fn of(value: &str) -> Name {
        vocabulary()
            .position(|n| n == value)
            .and_then(|i| u16::try_from(i).ok())
            .map_or_else(|| Name::Other(value.into()), Name::Known)
    }

    fn as_str(&self) -> &str {
        match self {
            Name::Known(i) => vocabulary().nth(usize::from(*i)).unwrap_or_default(),
            Name::Other(s) => s,
        }
    }
}

/// One condition of an object as its series knows it.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(super) struct Series {
    condition: Name,
    status: ConditionStatus,
    reason: Name,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(super) struct ConditionLabels {
    object: ObjectLabels,
    series: Series,
}

impl EncodeLabelSet for ConditionLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder<'_>) -> Result<(), std::fmt::Error> {
        let status = match self.series.status {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        };
        for (key, value) in [
            ("namespace", &*self.object.namespace),
            ("name", &*self.object.name),
            ("condition", self.series.condition.as_str()),
            ("status", status),
            ("reason", self.series.reason.as_str()),
        ] {
            (key, value).encode(encoder.encode_label())?;
        }
        Ok(())
    }
}

impl Metrics {
    /// The object's condition series as of `s`: the ones it no longer has are removed.
    pub(super) fn record_conditions(&self, obj: &ObjectLabels, s: &RegionalFailoverStatus) {
        let series: Vec<Series> = s
            .conditions
            .iter()
            .map(|c| Series { condition: Name::of(&c.type_), status: c.status, reason: Name::of(&c.reason) })
            .collect();
        let mut current = self.condition_series.lock().unwrap_or_else(|p| p.into_inner());
        if current.get(obj) == Some(&series) {
            return;
        }
        for old in current.remove(obj).unwrap_or_default() {
            self.conditions.remove(&ConditionLabels { object: obj.clone(), series: old });
        }
        for one in &series {
            self.conditions.get_or_create(&ConditionLabels { object: obj.clone(), series: one.clone() }).set(1);
        }
        current.insert(obj.clone(), series);
    }

    pub(super) fn forget_conditions(&self, obj: &ObjectLabels) {
        let mut current = self.condition_series.lock().unwrap_or_else(|p| p.into_inner());
        for old in current.remove(obj).unwrap_or_default() {
            self.conditions.remove(&ConditionLabels { object: obj.clone(), series: old });
        }
    }
}

#[cfg(test)]
mod tests;
