//! DNS wire format via hickory-proto: one non-recursive question out, its answer in.

use hickory_proto::{
    op::{Message, MessageType, OpCode, Query, ResponseCode},
    rr::{Name, RData, RecordType as WireType},
};

use crate::api::RecordType;

pub(crate) fn wire_type(kind: RecordType) -> WireType {
    match kind {
        RecordType::A => WireType::A,
        RecordType::AAAA => WireType::AAAA,
        RecordType::CNAME => WireType::CNAME,
    }
}

/// `api.example.com` or `api.example.com.` as a fully qualified name.
pub(crate) fn parse_name(name: &str) -> Result<Name, String> {
    if name.trim().trim_end_matches('.').is_empty() {
        return Err("empty name".into());
    }
    let mut n = Name::from_ascii(name.trim()).map_err(|e| e.to_string())?;
    n.set_fqdn(true);
    Ok(n)
}

/// A query as an authoritative server expects it: recursion desired off.
pub(crate) fn encode_query(id: u16, name: &Name, kind: RecordType) -> Result<Vec<u8>, String> {
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = false;
    msg.add_query(Query::query(name.clone(), wire_type(kind)));
    msg.to_vec().map_err(|e| e.to_string())
}

/// The mnemonic people know from dig: `NOERROR`, `NXDOMAIN`, `SERVFAIL`, ...
pub(crate) fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::NotAuth => "NOTAUTH".into(),
        other => format!("RCODE{}", u16::from(other)),
    }
}

/// A decoded reply to our question.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Too large for UDP: ask again over TCP.
    Truncated,
    Answer(Decoded),
}

/// The parts of a response the prober reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub response_code: ResponseCode,
    pub authoritative: bool,
    pub values: Vec<String>,
    pub ttl: Option<u32>,
    pub cnames: Vec<String>,
}

/// Decodes `bytes`; `Ok(None)` for a datagram that is not the reply to this question (stale or
/// spoofed), which the caller ignores and keeps waiting.
pub(crate) fn decode_reply(bytes: &[u8], id: u16, name: &Name, kind: RecordType) -> Result<Option<Reply>, String> {
    let msg = Message::from_vec(bytes).map_err(|e| format!("undecodable reply: {e}"))?;
    let question_matches =
        msg.queries.first().is_some_and(|q| q.query_type() == wire_type(kind) && q.name().eq_ignore_root_case(name));
    if msg.metadata.id != id || msg.metadata.message_type != MessageType::Response || !question_matches {
        return Ok(None);
    }
    if msg.metadata.truncation {
        return Ok(Some(Reply::Truncated));
    }
    Ok(Some(Reply::Answer(decoded(&msg, kind))))
}

fn decoded(msg: &Message, kind: RecordType) -> Decoded {
    let want = wire_type(kind);
    let mut values = Vec::new();
    let mut cnames = Vec::new();
    let mut ttl: Option<u32> = None;
    for record in &msg.answers {
        let value = match &record.data {
            RData::A(a) => a.0.to_string(),
            RData::AAAA(a) => a.0.to_string(),
            RData::CNAME(c) => crate::aws::normalize_name(&c.0.to_ascii()),
            _ => continue,
        };
        if record.record_type() == want {
            ttl = Some(ttl.map_or(record.ttl, |t| t.min(record.ttl)));
            values.push(value);
        } else if record.record_type() == WireType::CNAME {
            cnames.push(value);
        }
    }
    Decoded {
        response_code: msg.metadata.response_code,
        authoritative: msg.metadata.authoritative,
        values,
        ttl,
        cnames,
    }
}

#[cfg(test)]
mod tests;
