//! Answers to the IQs a logged-in client sends. Every request gets an answer, because the client
//! waits 75 s for each one: device lists, prekey bundles and app-state sync get real content, and
//! everything else an empty `result`, which the client treats as "nothing to report".

use anyhow::Result;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::{Node, SERVER_JID};

use super::phone::DeviceDirectory;

pub(super) fn attr(node: &Node, key: &str) -> Option<String> {
    node.attrs.get(key).map(|value| value.as_str().into_owned())
}

pub(super) fn children(node: &Node) -> &[Node] {
    node.children().unwrap_or_default()
}

/// `<iq type="result" id=… from="s.whatsapp.net">` for `request`, without content.
pub(super) fn iq_result(request: &Node) -> NodeBuilder {
    NodeBuilder::new("iq")
        .attr("id", attr(request, "id").unwrap_or_default())
        .attr("type", "result")
        .attr("from", SERVER_JID)
}

/// The answer to an IQ request (`type` `get` or `set`) from the client.
pub(super) fn answer_iq(
    request: &Node,
    devices: &mut DeviceDirectory,
    not_on_whatsapp: &std::collections::HashSet<String>,
) -> Result<Node> {
    let namespace = attr(request, "xmlns").unwrap_or_default();
    let answer = match namespace.as_str() {
        "usync" => match request.get_optional_child("usync") {
            Some(usync) => iq_result(request).children([usync_answer(usync, not_on_whatsapp)]),
            None => iq_result(request),
        },
        "encrypt" => match request.get_optional_child("key") {
            Some(key) => iq_result(request).children([prekey_answer(key, devices)?]),
            None => iq_result(request),
        },
        "w:sync:app:state" => match request.get_optional_child("sync") {
            Some(sync) => iq_result(request).children([app_state_answer(sync)]),
            None => iq_result(request),
        },
        // No experiments and no privacy settings: the defaults.
        "abt" => iq_result(request).children([NodeBuilder::new("props").build()]),
        "privacy" if attr(request, "type").as_deref() == Some("get") => {
            iq_result(request).children([NodeBuilder::new("privacy").build()])
        }
        _ => iq_result(request),
    };
    Ok(answer.build())
}

/// Every user asked about has one device, the phone (device 0), and is on WhatsApp unless the
/// test said otherwise.
fn usync_answer(query: &Node, not_on_whatsapp: &std::collections::HashSet<String>) -> Node {
    let protocols: Vec<&str> = query
        .get_optional_child("query")
        .map(|q| children(q).iter().map(|p| p.tag.as_ref()).collect())
        .unwrap_or_default();
    let users = query
        .get_optional_child("list")
        .map(children)
        .unwrap_or_default()
        .iter()
        // A device-list query names each user by `jid`; an existence check by phone sends
        // `<contact>+5511…</contact>` instead, and is answered under the phone JID.
        .filter_map(|user| {
            attr(user, "jid").or_else(|| {
                let phone = user.get_optional_child("contact")?.content_as_string()?;
                Some(format!("{}@s.whatsapp.net", phone.trim_start_matches('+')))
            })
        })
        .map(|jid| {
            let results = protocols.iter().filter_map(|protocol| match *protocol {
                "devices" => Some(
                    NodeBuilder::new("devices")
                        .children([NodeBuilder::new("device-list")
                            .children([NodeBuilder::new("device").attr("id", "0").build()])
                            .build()])
                        .build(),
                ),
                "contact" => {
                    let user = jid.split('@').next().unwrap_or_default();
                    let registered = if not_on_whatsapp.contains(user) {
                        "out"
                    } else {
                        "in"
                    };
                    Some(NodeBuilder::new("contact").attr("type", registered).build())
                }
                _ => None,
            });
            let results: Vec<Node> = results.collect();
            NodeBuilder::new("user")
                .attr("jid", jid)
                .children(results)
                .build()
        });
    let mut usync = NodeBuilder::new("usync").children([NodeBuilder::new("list")
        .children(users.collect::<Vec<_>>())
        .build()]);
    if let Some(sid) = attr(query, "sid") {
        usync = usync.attr("sid", sid);
    }
    usync.build()
}

/// A prekey bundle for each `<user jid=…>` asked for.
fn prekey_answer(key: &Node, devices: &mut DeviceDirectory) -> Result<Node> {
    let mut bundles = Vec::new();
    for user in children(key) {
        let Some(jid) = user.attrs.get("jid").and_then(|value| value.to_jid()) else {
            continue;
        };
        bundles.push(devices.get_or_create(&jid)?.prekey_bundle_node(jid));
    }
    Ok(NodeBuilder::new("list").children(bundles).build())
}

/// Every collection asked for exists and is empty: no snapshot, no patches, so no keys are needed.
fn app_state_answer(sync: &Node) -> Node {
    let collections = children(sync)
        .iter()
        .filter_map(|collection| attr(collection, "name"))
        .map(|name| NodeBuilder::new("collection").attr("name", name).build());
    NodeBuilder::new("sync")
        .children(collections.collect::<Vec<_>>())
        .build()
}
