//! Evaluating your own event type without converting it to JSON: implement
//! [`adsigma::Event`] for it.
//!
//! Run with `cargo run --example custom_event`.

use adsigma::{Engine, Event, EventValue, RulePack};

/// A process start as some agent of yours reports it.
struct ProcessStart {
    image: String,
    command_line: String,
    parent_image: String,
    pid: u32,
    container: Option<Container>,
}

struct Container {
    id: String,
    image: String,
}

impl Event for ProcessStart {
    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
        let value = match path {
            "Image" => EventValue::Str(&self.image),
            "CommandLine" => EventValue::Str(&self.command_line),
            "ParentImage" => EventValue::Str(&self.parent_image),
            "ProcessId" => EventValue::Int(i64::from(self.pid)),
            "container" => match &self.container {
                Some(_) => EventValue::Object,
                None => return false,
            },
            "container.id" => match &self.container {
                Some(c) => EventValue::Str(&c.id),
                None => return false,
            },
            "container.image" => match &self.container {
                Some(c) => EventValue::Str(&c.image),
                None => return false,
            },
            _ => return false,
        };
        visit(value);
        true
    }

    fn walk(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool {
        visit("Image", EventValue::Str(&self.image));
        visit("CommandLine", EventValue::Str(&self.command_line));
        visit("ParentImage", EventValue::Str(&self.parent_image));
        visit("ProcessId", EventValue::Int(i64::from(self.pid)));
        if let Some(c) = &self.container {
            visit("container", EventValue::Object);
            visit("container.id", EventValue::Str(&c.id));
            visit("container.image", EventValue::Str(&c.image));
        }
        // No key contains a `.`: the paths above are exactly what `lookup` resolves.
        true
    }
}

fn main() {
    let pack = RulePack::from_yaml_str(
        r#"
title: Package manager run inside a running container
logsource: {product: linux, category: process_creation}
detection:
  in_container:
    container.id|exists: true
  package_manager:
    Image|endswith: [/apt, /apt-get, /apk, /yum, /dnf]
  condition: in_container and package_manager
level: medium
"#,
    );
    let engine = Engine::new(&pack).expect("the rule compiles");
    let events = [
        ProcessStart {
            image: "/usr/bin/apt-get".into(),
            command_line: "apt-get install -y nmap".into(),
            parent_image: "/bin/sh".into(),
            pid: 4242,
            container: Some(Container {
                id: "3f2a9c".into(),
                image: "nginx:1.27".into(),
            }),
        },
        ProcessStart {
            image: "/usr/bin/apt-get".into(),
            command_line: "apt-get upgrade".into(),
            parent_image: "/usr/bin/unattended-upgrade".into(),
            pid: 17,
            container: None,
        },
    ];
    let mut scratch = adsigma::Scratch::new();
    let mut hits = Vec::new();
    for (i, event) in events.iter().enumerate() {
        hits.clear();
        engine.evaluate_into(event, None, &mut scratch, &mut hits);
        for &r in &hits {
            let m = engine.details(r as usize, event, &mut scratch);
            println!("event {i}: {} ({:?})", m.title(), m.matched());
        }
    }
    assert_eq!(hits.len(), 0, "the host-level upgrade does not match");
}
