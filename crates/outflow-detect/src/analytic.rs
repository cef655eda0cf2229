//! Stateful analytics: they see every event in event-time order (on the
//! consumer thread, after the reorder buffer) and report findings with
//! their evidence, risk and destination.

use crate::Finding;
use outflow_event::{Event, Timestamp};
use std::net::IpAddr;

/// A stateful analytic (volume over a window, first-seen, staging then upload, ...).
pub trait Analytic: Send {
    /// Short id used in summaries and rule ids (`large-transfer`, ...).
    fn name(&self) -> &str;

    /// Looks at one event, in event-time order; may report findings at once.
    fn process(&mut self, event: &Event, out: &mut Vec<Finding>);

    /// Event time has reached `watermark`: windows that closed before it may
    /// report, and state older than the analytic's horizon is dropped.
    fn advance(&mut self, _watermark: Timestamp, _out: &mut Vec<Finding>) {}

    /// End of input: report what remains open.
    fn finish(&mut self, _out: &mut Vec<Finding>) {}

    /// The analytic's state, for checkpoints.
    fn snapshot(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// Approximate number of keys held (for memory reports and bounds).
    fn state_len(&self) -> usize {
        0
    }

    /// The host name learnt for an address so far, when the analytic
    /// learns them (alerts on records that name hosts by address are
    /// named by it).
    fn host_name(&self, _ip: IpAddr) -> Option<String> {
        None
    }

    /// The account name (`DOMAIN\name`) learnt for a Windows SID so far,
    /// when the analytic learns them.
    fn account_name(&self, _sid: &str) -> Option<String> {
        None
    }
}

/// The analytics of a run, fed in order.
#[derive(Default)]
pub struct AnalyticSet {
    analytics: Vec<Box<dyn Analytic>>,
}

impl AnalyticSet {
    pub fn new(analytics: Vec<Box<dyn Analytic>>) -> Self {
        AnalyticSet { analytics }
    }

    pub fn push(&mut self, a: Box<dyn Analytic>) {
        self.analytics.push(a);
    }

    pub fn is_empty(&self) -> bool {
        self.analytics.is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        self.analytics
            .iter()
            .map(|a| a.name().to_string())
            .collect()
    }

    pub fn process(&mut self, event: &Event, out: &mut Vec<Finding>) {
        for a in &mut self.analytics {
            a.process(event, out);
        }
    }

    pub fn advance(&mut self, watermark: Timestamp, out: &mut Vec<Finding>) {
        for a in &mut self.analytics {
            a.advance(watermark, out);
        }
    }

    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        for a in &mut self.analytics {
            a.finish(out);
        }
    }

    pub fn state_len(&self) -> usize {
        self.analytics.iter().map(|a| a.state_len()).sum()
    }

    /// The first host name an analytic learnt for `ip`.
    pub fn host_name(&self, ip: IpAddr) -> Option<String> {
        self.analytics.iter().find_map(|a| a.host_name(ip))
    }

    /// The first account name an analytic learnt for `sid`.
    pub fn account_name(&self, sid: &str) -> Option<String> {
        self.analytics.iter().find_map(|a| a.account_name(sid))
    }

    /// Names what a finding gives only by number: its host, when the
    /// record gave only its address ([`Self::name_host`]), and its user,
    /// when the record gave only a Windows SID and an account name is known
    /// for it (the SID is kept as `user_sid`).
    pub fn name_entity(&self, f: &mut Finding) {
        self.name_host(f);
        let Some(sid) = f.entity.user.as_deref().filter(|u| u.starts_with("S-1-")) else {
            return;
        };
        if let Some(name) = self.account_name(sid) {
            f.entity.user_sid = f.entity.user.take();
            f.entity.user = Some(name);
        }
    }

    /// Names a finding's host when the record gave only its address and a
    /// name is known for it; the address is kept as `host_ip`.
    pub fn name_host(&self, f: &mut Finding) {
        let Some(ip) = f.entity.host.as_deref().and_then(|h| h.trim().parse().ok()) else {
            return;
        };
        if let Some(name) = self.host_name(ip) {
            f.entity.host_ip = Some(ip.to_string());
            f.entity.host = Some(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AlertRule, FindingEntity};

    /// Knows one host's address.
    struct Knows;

    impl Analytic for Knows {
        fn name(&self) -> &str {
            "knows"
        }
        fn process(&mut self, _: &Event, _: &mut Vec<Finding>) {}
        fn host_name(&self, ip: IpAddr) -> Option<String> {
            (ip.to_string() == "10.20.1.23").then(|| "WS-HR-02".to_string())
        }
        fn account_name(&self, sid: &str) -> Option<String> {
            (sid == "S-1-5-21-1-2-3-1116").then(|| r"CORP\uolsen".to_string())
        }
    }

    fn on(host: &str) -> Finding {
        let rule = AlertRule {
            id: "r".into(),
            title: "t".into(),
            level: "high".into(),
            source: "sigma".into(),
        };
        Finding {
            entity: FindingEntity {
                host: Some(host.into()),
                ..FindingEntity::default()
            },
            ..Finding::new(rule, None)
        }
    }

    #[test]
    fn a_known_address_is_named_and_kept() {
        let set = AnalyticSet::new(vec![Box::new(Knows)]);
        let mut f = on("10.20.1.23");
        set.name_host(&mut f);
        assert_eq!(f.entity.host.as_deref(), Some("WS-HR-02"));
        assert_eq!(f.entity.host_ip.as_deref(), Some("10.20.1.23"));
        for other in ["10.20.1.24", "ws-fin-01", ""] {
            let mut f = on(other);
            set.name_host(&mut f);
            assert_eq!(f.entity.host.as_deref(), Some(other));
            assert_eq!(f.entity.host_ip, None);
        }
    }

    #[test]
    fn a_known_sid_is_named_and_kept() {
        let set = AnalyticSet::new(vec![Box::new(Knows)]);
        let with_user = |user: &str| {
            let mut f = on("10.20.1.23");
            f.entity.user = Some(user.into());
            set.name_entity(&mut f);
            f.entity
        };
        let e = with_user("S-1-5-21-1-2-3-1116");
        assert_eq!(e.user.as_deref(), Some(r"CORP\uolsen"));
        assert_eq!(e.user_sid.as_deref(), Some("S-1-5-21-1-2-3-1116"));
        assert_eq!(e.host.as_deref(), Some("WS-HR-02"));
        for user in ["S-1-5-21-1-2-3-500", r"CORP\uolsen"] {
            let e = with_user(user);
            assert_eq!(e.user.as_deref(), Some(user));
            assert_eq!(e.user_sid, None);
        }
    }
}
