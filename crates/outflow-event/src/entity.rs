use crate::Value;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Entity fields every later stage uses, whatever the source.
/// String-valued slots hold values that point into the event buffer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub host: Option<Value>,
    pub user: Option<Value>,
    pub image: Option<Value>,
    pub pid: Option<u64>,
    pub process_guid: Option<Value>,
    pub original_file_name: Option<Value>,
    pub src_ip: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_ip: Option<IpAddr>,
    pub dst_port: Option<u16>,
    pub dst_domain: Option<Value>,
    pub bytes_out: Option<u64>,
    pub bytes_in: Option<u64>,
}

macro_rules! entity_slots {
    ($($variant:ident => $name:literal;)*) => {
        /// Names of the entity slots, as used in mapping files and output.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EntitySlot { $($variant,)* }

        impl EntitySlot {
            pub const ALL: &'static [EntitySlot] = &[$(EntitySlot::$variant,)*];
            pub fn as_str(&self) -> &'static str {
                match self { $(EntitySlot::$variant => $name,)* }
            }
            pub fn parse(s: &str) -> Option<EntitySlot> {
                match s { $($name => Some(EntitySlot::$variant),)* _ => None }
            }
        }
    };
}

entity_slots! {
    Host => "host";
    User => "user";
    Image => "image";
    Pid => "pid";
    ProcessGuid => "process_guid";
    OriginalFileName => "original_file_name";
    SrcIp => "src_ip";
    SrcPort => "src_port";
    DstIp => "dst_ip";
    DstPort => "dst_port";
    DstDomain => "dst_domain";
    BytesOut => "bytes_out";
    BytesIn => "bytes_in";
}

impl Entity {
    /// The slots whose values are text in the event's buffer.
    pub fn text_slots(&self) -> [&Option<Value>; 6] {
        [
            &self.host,
            &self.user,
            &self.image,
            &self.process_guid,
            &self.original_file_name,
            &self.dst_domain,
        ]
    }

    /// [`Entity::text_slots`], to change.
    pub fn text_slots_mut(&mut self) -> [&mut Option<Value>; 6] {
        [
            &mut self.host,
            &mut self.user,
            &mut self.image,
            &mut self.process_guid,
            &mut self.original_file_name,
            &mut self.dst_domain,
        ]
    }

    pub fn is_empty(&self) -> bool {
        *self == Entity::default()
    }
}
