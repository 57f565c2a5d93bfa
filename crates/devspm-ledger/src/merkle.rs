//! The RFC 6962 Merkle tree over the ledger: leaves are the events' chain hashes (32 raw bytes
//! each, event `seq` = leaf index `seq - 1`), leaf hash = SHA-256(0x00 ‖ leaf), interior node =
//! SHA-256(0x01 ‖ left ‖ right), and the tree of size `n` is RFC 6962's `MTH(D[0:n])`.
//!
//! Storage: every *perfect* subtree root of level ≥ 4 (a node covering `2^level` leaves starting
//! at `idx · 2^level`) is one row of `merkle_nodes (level, idx, hash)`, written when its last
//! leaf is appended; lower nodes are recomputed from `events.hash` (see
//! `audit::MIN_STORED_LEVEL`), so appending costs one row per 16 events. Any tree head, inclusion
//! proof or consistency proof of any size up to the current one is assembled from O(log n)
//! stored perfect subtrees ([`Nodes`]), never by rehashing leaves.
//!
//! The proof algorithms follow RFC 6962 §2.1 (`PATH`, `SUBPROOF`); verification follows
//! RFC 9162 §2.1.3.2 and §2.1.4.2. They are generic over [`Nodes`] so that the unit tests check
//! them against a naïve recursive reference on in-memory trees.

use sha2::{Digest, Sha256};

/// A SHA-256 value.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Lower-case hex of a hash.
pub fn to_hex(hash: &Hash) -> String {
    devspm_core::hex::encode(hash)
}

/// A hash from 64 hex digits.
pub fn from_hex(text: &str) -> Option<Hash> {
    devspm_core::hex::decode(text)?.try_into().ok()
}

/// Where the tree's perfect subtrees come from.
pub trait Nodes {
    type Error;
    /// The root of the perfect subtree covering leaves `idx · 2^level .. (idx + 1) · 2^level`;
    /// level 0 is the leaf hash.
    fn node(&mut self, level: u32, idx: u64) -> Result<Hash, Self::Error>;
}

/// Why a proof cannot be produced or does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("sizes {old} and {new} cannot be compared (need 0 < old ≤ new)")]
    BadSizes { old: u64, new: u64 },
    #[error("the proof has the wrong number of hashes for these sizes")]
    WrongLength,
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("the proof does not lead to the old tree's root hash")]
    OldRootMismatch,
}

/// `MTH(D[start:end])` for `start < end`, from perfect subtrees (O(log n) reads when the range
/// is aligned as RFC 6962's recursion makes it).
pub fn range_root<N: Nodes>(nodes: &mut N, start: u64, end: u64) -> Result<Hash, N::Error> {
    let n = end - start;
    debug_assert!(n > 0);
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let level = n.trailing_zeros();
        return nodes.node(level, start >> level);
    }
    let k = split(n);
    let left = range_root(nodes, start, start + k)?;
    let right = range_root(nodes, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves.
pub fn root<N: Nodes>(nodes: &mut N, size: u64) -> Result<Hash, N::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_root(nodes, 0, size)
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// RFC 6962 `PATH(index, D[0:size])`: the audit path of one leaf, bottom up.
pub fn inclusion_proof<N: Nodes>(
    nodes: &mut N,
    index: u64,
    size: u64,
) -> Result<Result<Vec<Hash>, ProofError>, N::Error> {
    if index >= size {
        return Ok(Err(ProofError::IndexOutOfRange { index, size }));
    }
    let mut out = Vec::new();
    path(nodes, index, 0, size, &mut out)?;
    Ok(Ok(out))
}

fn path<N: Nodes>(
    nodes: &mut N,
    m: u64,
    start: u64,
    end: u64,
    out: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(nodes, m, start, start + k, out)?;
        out.push(range_root(nodes, start + k, end)?);
    } else {
        path(nodes, m - k, start + k, end, out)?;
        out.push(range_root(nodes, start, start + k)?);
    }
    Ok(())
}

/// RFC 6962 `PROOF(old, D[0:new])`: proves the tree of `old` leaves is a prefix of the tree of
/// `new` leaves. Empty when `old == new` or `old == 0`.
pub fn consistency_proof<N: Nodes>(
    nodes: &mut N,
    old: u64,
    new: u64,
) -> Result<Result<Vec<Hash>, ProofError>, N::Error> {
    if old > new {
        return Ok(Err(ProofError::BadSizes { old, new }));
    }
    let mut out = Vec::new();
    if old > 0 && old < new {
        subproof(nodes, old, 0, new, true, &mut out)?;
    }
    Ok(Ok(out))
}

fn subproof<N: Nodes>(
    nodes: &mut N,
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(range_root(nodes, start, end)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(nodes, m, start, start + k, whole, out)?;
        out.push(range_root(nodes, start + k, end)?);
    } else {
        subproof(nodes, m - k, start + k, end, false, out)?;
        out.push(range_root(nodes, start, start + k)?);
    }
    Ok(())
}

/// RFC 9162 §2.1.3.2: does `proof` show that the leaf with hash `leaf` is at `index` in the
/// tree of `size` leaves whose root is `root`?
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: does `proof` show that the tree of `old` leaves with root `old_root` is a
/// prefix of the tree of `new` leaves with root `new_root`?
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::BadSizes { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if old == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::WrongLength)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The right edge of a tree being built leaf by leaf: the roots of the perfect subtrees that
/// make up the first `size` leaves, largest first (one per 1-bit of `size`).
#[derive(Clone, Debug, Default)]
pub struct Frontier {
    size: u64,
    /// (level, root), levels strictly decreasing.
    stack: Vec<(u32, Hash)>,
}

/// A perfect subtree completed by [`Frontier::push`]: `(level, idx, hash)`, level ≥ 1.
pub type NewNode = (u32, u64, Hash);

impl Frontier {
    /// The frontier of the stored tree of `size` leaves (one read per 1-bit of `size`).
    pub fn load<N: Nodes>(nodes: &mut N, size: u64) -> Result<Frontier, N::Error> {
        let mut stack = Vec::new();
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            if size & (1u64 << level) != 0 {
                stack.push((level, nodes.node(level, start >> level)?));
                start += 1u64 << level;
            }
        }
        Ok(Frontier { size, stack })
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf (its leaf hash) and reports in `completed` each perfect subtree of
    /// level ≥ 1 this completes, lowest first.
    pub fn push(&mut self, leaf: Hash, completed: &mut Vec<NewNode>) {
        let index = self.size;
        let mut level = 0u32;
        let mut hash = leaf;
        while let Some(&(top_level, top)) = self.stack.last() {
            if top_level != level {
                break;
            }
            self.stack.pop();
            hash = node_hash(&top, &hash);
            level += 1;
            completed.push((level, index >> level, hash));
        }
        self.stack.push((level, hash));
        self.size += 1;
    }

    /// The tree head: `MTH(D[0:size])`.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(_, last)) = it.next() else {
            return empty_root();
        };
        it.fold(last, |acc, (_, left)| node_hash(left, &acc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962 `MTH` by plain recursion over leaf data: the reference.
    fn reference_root(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    /// RFC 6962 `PATH` by plain recursion.
    fn reference_path(m: usize, leaves: &[Vec<u8>]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = split(n as u64) as usize;
        if m < k {
            let mut p = reference_path(m, &leaves[..k]);
            p.push(reference_root(&leaves[k..]));
            p
        } else {
            let mut p = reference_path(m - k, &leaves[k..]);
            p.push(reference_root(&leaves[..k]));
            p
        }
    }

    /// RFC 6962 `SUBPROOF` by plain recursion.
    fn reference_subproof(m: usize, leaves: &[Vec<u8>], whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole {
                vec![]
            } else {
                vec![reference_root(leaves)]
            };
        }
        let k = split(n as u64) as usize;
        if m <= k {
            let mut p = reference_subproof(m, &leaves[..k], whole);
            p.push(reference_root(&leaves[k..]));
            p
        } else {
            let mut p = reference_subproof(m - k, &leaves[k..], false);
            p.push(reference_root(&leaves[..k]));
            p
        }
    }

    /// Perfect subtrees as the store keeps them: built by [`Frontier`], read back by level.
    struct Memory {
        leaves: Vec<Hash>,
        nodes: std::collections::HashMap<(u32, u64), Hash>,
        reads: usize,
    }

    impl Memory {
        fn build(leaves: &[Vec<u8>]) -> Memory {
            let mut frontier = Frontier::default();
            let mut nodes = std::collections::HashMap::new();
            let mut hashes = Vec::new();
            let mut done = Vec::new();
            for leaf in leaves {
                let h = leaf_hash(leaf);
                hashes.push(h);
                done.clear();
                frontier.push(h, &mut done);
                for &(l, i, h) in &done {
                    assert!(nodes.insert((l, i), h).is_none());
                }
                assert_eq!(
                    frontier.root(),
                    reference_root(&leaves[..hashes.len()]),
                    "frontier root at size {}",
                    hashes.len()
                );
            }
            Memory {
                leaves: hashes,
                nodes,
                reads: 0,
            }
        }
    }

    impl Nodes for Memory {
        type Error = String;
        fn node(&mut self, level: u32, idx: u64) -> Result<Hash, String> {
            self.reads += 1;
            if level == 0 {
                return self
                    .leaves
                    .get(idx as usize)
                    .copied()
                    .ok_or_else(|| format!("no leaf {idx}"));
            }
            self.nodes
                .get(&(level, idx))
                .copied()
                .ok_or_else(|| format!("no node {level}/{idx}"))
        }
    }

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| Sha256::digest(format!("event {i}")).to_vec())
            .collect()
    }

    /// The test vectors of the Certificate Transparency reference implementation (RFC 6962
    /// §2.1.3 example trees): leaves are these byte strings, roots are known.
    #[test]
    fn known_vectors() {
        let data: Vec<Vec<u8>> = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|h| devspm_core::hex::decode(h).unwrap())
        .collect();
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        assert_eq!(
            to_hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        for size in 1..=8 {
            let mut memory = Memory::build(&data[..size]);
            assert_eq!(
                to_hex(&root(&mut memory, size as u64).unwrap()),
                roots[size - 1],
                "size {size}"
            );
        }
    }

    #[test]
    fn roots_and_proofs_match_the_reference_for_every_size_up_to_64() {
        let all = leaves(64);
        let mut memory = Memory::build(&all);
        for size in 1..=64u64 {
            let tree = &all[..size as usize];
            let expected = reference_root(tree);
            let head = root(&mut memory, size).unwrap();
            assert_eq!(head, expected, "root of size {size}");
            for index in 0..size {
                let proof = inclusion_proof(&mut memory, index, size).unwrap().unwrap();
                assert_eq!(proof, reference_path(index as usize, tree));
                let leaf = leaf_hash(&all[index as usize]);
                verify_inclusion(&leaf, index, size, &proof, &head).unwrap();
                // The same proof fails for another leaf, index, size or root.
                let other = leaf_hash(b"other");
                assert!(verify_inclusion(&other, index, size, &proof, &head).is_err());
                if size > 1 {
                    let wrong = (index + 1) % size;
                    assert!(verify_inclusion(&leaf, wrong, size, &proof, &head).is_err());
                }
                // A root of another size does not accept it.
                let other_root = reference_root(&all[..size as usize - 1]);
                assert!(verify_inclusion(&leaf, index, size, &proof, &other_root).is_err());
                if size > 1 {
                    let mut bad = proof.clone();
                    bad[0][0] ^= 1;
                    assert!(verify_inclusion(&leaf, index, size, &bad, &head).is_err());
                }
            }
            assert!(inclusion_proof(&mut memory, size, size).unwrap().is_err());
            for old in 0..=size {
                let old_root = reference_root(&all[..old as usize]);
                let proof = consistency_proof(&mut memory, old, size).unwrap().unwrap();
                if old > 0 && old < size {
                    assert_eq!(proof, reference_subproof(old as usize, tree, true));
                }
                verify_consistency(old, size, &old_root, &expected, &proof).unwrap();
                if old > 0 && old < size {
                    let bad_old = leaf_hash(b"forged");
                    assert!(verify_consistency(old, size, &bad_old, &expected, &proof).is_err());
                    assert!(verify_consistency(old, size, &old_root, &bad_old, &proof).is_err());
                    let other_new = reference_root(&all[..size as usize - 1]);
                    assert!(verify_consistency(old, size, &old_root, &other_new, &proof).is_err());
                    let mut bad = proof.clone();
                    let last = bad.len() - 1;
                    bad[last][5] ^= 0x40;
                    assert!(verify_consistency(old, size, &old_root, &expected, &bad).is_err());
                }
            }
        }
    }

    #[test]
    fn proofs_read_logarithmically_many_nodes() {
        let all = leaves(1000);
        let mut memory = Memory::build(&all);
        for index in [0u64, 1, 511, 512, 777, 998, 999] {
            memory.reads = 0;
            let proof = inclusion_proof(&mut memory, index, 1000).unwrap().unwrap();
            assert!(proof.len() <= 10);
            assert!(
                memory.reads <= 20,
                "{} reads for leaf {index}",
                memory.reads
            );
        }
        memory.reads = 0;
        consistency_proof(&mut memory, 333, 1000).unwrap().unwrap();
        assert!(memory.reads <= 30, "{} reads", memory.reads);
        let frontier = Frontier::load(&mut memory, 1000).unwrap();
        assert_eq!(frontier.root(), reference_root(&all));
    }
}
