//! Tree invariants under insertion and pruning, and exact children whose (parent, level) keys
//! collide in the child index.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::hash::hash_child;
use super::{Cell, NONE, PLUS, ROOT, Tree, to_u32};

/// Checks every link of `tree` against its nodes: each live exact node is found through the
/// child index (and the index holds nothing else), child counts and `+` links agree, and the
/// interner holds exactly the labels in use, each referenced once per node.
fn check(tree: &Tree) {
    let mut free = BTreeSet::new();
    let mut f = tree.free;
    while let Some(n) = tree.node(f) {
        assert!(free.insert(f), "free list loops");
        f = n.parent;
    }
    let mut exact = 0;
    let mut children: BTreeMap<u32, u32> = BTreeMap::new();
    let mut labels: BTreeMap<u32, u32> = BTreeMap::new();
    for i in 0..to_u32(tree.nodes.len()) {
        if free.contains(&i) || i == ROOT {
            continue;
        }
        let n = *tree.node(i).unwrap();
        let parent = *tree.node(n.parent).unwrap();
        assert!(!free.contains(&n.parent), "node {i} under a free node");
        if n.label == PLUS {
            assert_eq!(parent.plus, i);
            continue;
        }
        exact += 1;
        *children.entry(n.parent).or_default() += 1;
        *labels.entry(n.label).or_default() += 1;
        let text = tree.label_bytes(n.label);
        assert_eq!(tree.exact_child(n.parent, tree.level(text)), i);
        let (end, hash) = tree.scan_level(text, 0);
        assert_eq!(end, text.len());
        let mut label = NONE;
        assert_eq!(tree.child_by_text(n.parent, hash, text, &mut label), i);
        assert_eq!(label, n.label);
    }
    for i in 0..to_u32(tree.nodes.len()) {
        if !free.contains(&i) {
            let n = tree.node(i).unwrap();
            assert_eq!(
                n.children,
                children.get(&i).copied().unwrap_or(0),
                "node {i}"
            );
        }
    }
    assert_eq!(
        tree.children.len(),
        exact,
        "stale entries in the child index"
    );
    for (&label, &refs) in &labels {
        assert_eq!(tree.labels.counts(label), (labels.len(), refs));
    }
}

/// Removes the payload at `cell` and prunes, as the containers do.
fn remove(tree: &mut Tree, path: &str) {
    let cell = tree.find(path.as_bytes());
    assert_ne!(cell, Cell::NONE, "{path}");
    tree.set_payload(cell, NONE);
    tree.prune(cell.node);
}

/// Two level texts whose (root, level) keys have the same 32 hash bits, so that they share a
/// home slot and a tag in the child index whatever its size.
fn colliding_pair(tree: &Tree) -> (String, String) {
    let mut seen: BTreeMap<u32, String> = BTreeMap::new();
    let mut i = 0_u64;
    loop {
        let text = format!("level-{i}");
        let (_, hash) = tree.scan_level(text.as_bytes(), 0);
        let tag = (hash_child(tree.seed, ROOT, hash) >> 32) as u32;
        if let Some(other) = seen.insert(tag, text.clone()) {
            return (other, text);
        }
        i += 1;
    }
}

#[test]
fn levels_colliding_in_the_child_index_are_told_apart() {
    let mut tree = Tree::new(7, false);
    let (a, b) = colliding_pair(&tree);
    for (i, path) in [&a, &b, "other"].iter().enumerate() {
        let cell = tree.insert(path.as_bytes());
        tree.set_payload(cell, to_u32(i));
        check(&tree);
    }
    for (i, path) in [&a, &b].iter().enumerate() {
        assert_eq!(
            tree.payload(tree.find(path.as_bytes())),
            to_u32(i),
            "{path}"
        );
        // Without its label id, the lookup compares texts: the first candidate may be the
        // other level.
        let (_, hash) = tree.scan_level(path.as_bytes(), 0);
        let mut label = NONE;
        let child = tree.child_by_text(ROOT, hash, path.as_bytes(), &mut label);
        assert_eq!(
            tree.payload(Cell {
                node: child,
                hash: false
            }),
            to_u32(i)
        );
        assert_eq!(tree.label_bytes(label), path.as_bytes());
    }
    // Removing the first of the probe run moves the second back (backward shift).
    remove(&mut tree, &a);
    check(&tree);
    assert_eq!(tree.find(a.as_bytes()), Cell::NONE);
    assert_eq!(tree.payload(tree.find(b.as_bytes())), 1);
    tree.insert(a.as_bytes());
    check(&tree);
    remove(&mut tree, &b);
    remove(&mut tree, "other");
    check(&tree);
    assert_eq!(tree.find(b.as_bytes()), Cell::NONE);
    remove(&mut tree, &a);
    assert_eq!(tree.heap_bytes(), 0);
}

/// Random paths inserted and removed in random order (a fixed-seed generator) leave the tree
/// consistent after each step and empty, holding no memory, at the end.
#[test]
fn removal_leaves_no_garbage() {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let words = ["a", "b", "", "+", "temperature", "device-0001", "x"];
    for linked in [false, true] {
        let mut tree = Tree::new(3, linked);
        let mut live: Vec<String> = Vec::new();
        for step in 0..600 {
            if live.is_empty() || next(3) > 0 {
                let depth = 1 + next(5);
                let path: Vec<&str> = (0..depth)
                    .map(|_| words[usize::try_from(next(7)).unwrap()])
                    .collect();
                let path = path.join("/");
                let cell = tree.insert(path.as_bytes());
                if tree.payload(cell) == NONE {
                    tree.set_payload(cell, step);
                    live.push(path);
                }
            } else {
                let i = usize::try_from(next(live.len() as u64)).unwrap();
                let path = live.swap_remove(i);
                remove(&mut tree, &path);
            }
            check(&tree);
            for path in &live {
                assert_ne!(tree.payload(tree.find(path.as_bytes())), NONE, "{path}");
            }
        }
        while let Some(path) = live.pop() {
            remove(&mut tree, &path);
            check(&tree);
        }
        assert_eq!(tree.heap_bytes(), 0, "linked: {linked}");
    }
}
