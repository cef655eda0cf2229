//! The organisation's allowlists applied to every finding, whatever found
//! it (rule pack, analytics): an allow rule whose every condition holds for
//! the finding's host, user, process image and destination suppresses it.
//! Sanctioned destinations are not suppressed here: an insider's bulk
//! upload to the organisation's own tenant is still an alert; analytics
//! that must ignore sanctioned services do so themselves.

use outflow_detect::Finding;
use outflow_intel::{AllowQuery, Policy};

/// The name of the allow rule that suppresses `f`, if one does.
pub fn suppressed_by<'p>(policy: &'p Policy, f: &Finding) -> Option<&'p str> {
    let dest = f.destination.as_ref();
    let destination = dest.and_then(|d| {
        d.domain
            .as_deref()
            .or(d.ip.as_deref())
            .or_else(|| d.target.as_deref().and_then(target_host))
    });
    let q = AllowQuery {
        host: f.entity.host.as_deref(),
        user: f.entity.user.as_deref(),
        image: f.entity.image.as_deref(),
        signer: f.fields.get("Signature").map(String::as_str),
        destination,
    };
    policy.allowed_by(&q).map(|r| r.name.as_str())
}

/// The host of a URL target (`https://h/p` → `h`); bucket URLs and rclone
/// remotes have none.
fn target_host(t: &str) -> Option<&str> {
    let rest = t.split_once("://").map(|(_, r)| r)?;
    rest.split(['/', '?']).next().filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use outflow_detect::{AlertRule, Destination, FindingEntity};

    fn finding(host: &str, image: &str, domain: &str) -> Finding {
        let rule = AlertRule {
            id: "r".into(),
            title: "t".into(),
            level: "high".into(),
            source: "analytic".into(),
        };
        Finding {
            entity: FindingEntity {
                host: Some(host.into()),
                image: Some(image.into()),
                ..FindingEntity::default()
            },
            destination: Some(Destination {
                domain: Some(domain.into()),
                ..Destination::default()
            }),
            ..Finding::new(rule, None)
        }
    }

    #[test]
    fn every_condition_of_a_rule_must_hold() {
        let policy = Policy::from_yaml(
            "p",
            "allow:\n  - name: build pushes\n    hosts: [BUILD-*]\n    images: [git.exe]\n    destinations: [github.com]\n",
        )
        .unwrap();
        let ok = finding("BUILD-7", r"C:\Program Files\Git\bin\git.exe", "github.com");
        assert_eq!(suppressed_by(&policy, &ok), Some("build pushes"));
        let other_host = finding("WS-1", r"C:\Program Files\Git\bin\git.exe", "github.com");
        assert_eq!(suppressed_by(&policy, &other_host), None);
        let other_dest = finding("BUILD-7", r"C:\Program Files\Git\bin\git.exe", "gitlab.com");
        assert_eq!(suppressed_by(&policy, &other_dest), None);
    }

    #[test]
    fn url_targets_name_their_host() {
        assert_eq!(
            target_host("https://transfer.sh/a.tgz"),
            Some("transfer.sh")
        );
        assert_eq!(target_host("mega:backup"), None);
    }
}
