//! Which file of a run first had each content, to tell copies apart: a hash table kept
//! in a file, not in memory, since it has an entry for every file of the run (a run over
//! an archive's millions of files would otherwise hold tens of megabytes for it). Slots
//! are read and written in place (the page cache keeps the file's pages at hand); the
//! table doubles, rehashed into a new file, when half full.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::spool::create_temp;

/// The key that tells copies apart: the first 128 bits of a file's sha256. Two different
/// files share one with a chance of about 10^-25 among ten million files.
pub(crate) type ContentKey = [u8; 16];

/// One slot: the key, then the file's index plus one (0: the slot is empty).
const SLOT: usize = 24;

/// Slots of a new table.
const FIRST_SLOTS: u64 = 1024;

/// The table: `slots` slots (a power of two), `used` of them taken, in a file named
/// after `base` and its size (removed when the table is dropped).
pub(crate) struct FirstCopies {
    file: File,
    base: PathBuf,
    slots: u64,
    used: u64,
}

impl FirstCopies {
    /// An empty table in a new file named after `base`.
    pub fn create(base: &Path) -> io::Result<Self> {
        Self::with_slots(base, FIRST_SLOTS)
    }

    fn with_slots(base: &Path, slots: u64) -> io::Result<Self> {
        Ok(FirstCopies {
            file: table_file(&file_path(base, slots), slots)?,
            base: base.to_path_buf(),
            slots,
            used: 0,
        })
    }

    /// Records that file `index` has content `key`, unless a file before it does:
    /// returns that earlier file. The table keeps the least index seen for each key,
    /// whatever order files are hashed in.
    pub fn claim(&mut self, key: &ContentKey, index: usize) -> io::Result<Option<usize>> {
        let (slot, found) = self.find(key)?;
        match found {
            Some(first) if first < index => return Ok(Some(first)),
            Some(_) => {}
            None => {
                if (self.used + 1) * 2 > self.slots {
                    self.grow()?;
                    return self.claim(key, index);
                }
                self.used += 1;
            }
        }
        self.write_slot(slot, key, index)?;
        Ok(None)
    }

    /// The file before `next` that first had content `key`, if any.
    pub fn first_before(&self, key: &ContentKey, next: usize) -> io::Result<Option<usize>> {
        Ok(self.find(key)?.1.filter(|&first| first < next))
    }

    /// The slot where `key` is, or the empty one where it would go; and the index there.
    fn find(&self, key: &ContentKey) -> io::Result<(u64, Option<usize>)> {
        let mask = self.slots - 1;
        let mut slot = u64::from_le_bytes(key[..8].try_into().expect("8 bytes")) & mask;
        loop {
            let mut bytes = [0u8; SLOT];
            read_at(&self.file, slot * SLOT as u64, &mut bytes)?;
            match decode(&bytes) {
                None => return Ok((slot, None)),
                Some((stored, index)) if stored == *key => return Ok((slot, Some(index))),
                Some(_) => slot = (slot + 1) & mask,
            }
        }
    }

    fn write_slot(&self, slot: u64, key: &ContentKey, index: usize) -> io::Result<()> {
        let mut bytes = [0u8; SLOT];
        bytes[..16].copy_from_slice(key);
        bytes[16..].copy_from_slice(&(index as u64 + 1).to_le_bytes());
        write_at(&self.file, slot * SLOT as u64, &bytes)
    }

    /// Doubles the table: every entry rehashed into a new file; the old one is removed.
    fn grow(&mut self) -> io::Result<()> {
        let mut grown = Self::with_slots(&self.base, self.slots * 2)?;
        let mut old = BufReader::with_capacity(64 << 10, &self.file);
        old.seek(SeekFrom::Start(0))?;
        for _ in 0..self.slots {
            let mut bytes = [0u8; SLOT];
            old.read_exact(&mut bytes)?;
            if let Some((key, index)) = decode(&bytes) {
                let (slot, _) = grown.find(&key)?;
                grown.write_slot(slot, &key, index)?;
                grown.used += 1;
            }
        }
        *self = grown; // the old table is dropped, its file removed
        Ok(())
    }
}

#[cfg(test)]
impl FirstCopies {
    /// The file the table moves to when it next grows.
    pub fn grown_path(&self) -> PathBuf {
        file_path(&self.base, self.slots * 2)
    }
}

impl Drop for FirstCopies {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(file_path(&self.base, self.slots));
    }
}

/// A slot's key and file index; `None` for an empty slot (see [`SLOT`]).
fn decode(bytes: &[u8; SLOT]) -> Option<(ContentKey, usize)> {
    let stored = u64::from_le_bytes(bytes[16..].try_into().expect("8 bytes"));
    let key = bytes[..16].try_into().expect("16 bytes");
    (stored != 0).then(|| (key, stored as usize - 1))
}

/// The file of a table of `slots` slots.
fn file_path(base: &Path, slots: u64) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(format!(".{slots}"));
    name.into()
}

/// A new table file of `slots` empty (zero) slots.
fn table_file(path: &Path, slots: u64) -> io::Result<File> {
    let file = create_temp(
        path,
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true),
    )?;
    file.set_len(slots * SLOT as u64)?;
    Ok(file)
}

#[cfg(unix)]
fn read_at(file: &File, offset: u64, bytes: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)
}

#[cfg(unix)]
fn write_at(file: &File, offset: u64, bytes: &[u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn read_at(mut file: &File, offset: u64, bytes: &mut [u8]) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(bytes)
}

#[cfg(not(unix))]
fn write_at(mut file: &File, offset: u64, bytes: &[u8]) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    io::Write::write_all(&mut file, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A key from a number, spread like a hash's bytes; `colliding` keys share their
    /// first 8 bytes (the slot they start from) but differ after.
    fn key(n: u64, colliding: bool) -> ContentKey {
        let mixed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&(if colliding { 7 } else { mixed }).to_le_bytes());
        key[8..].copy_from_slice(&mixed.to_le_bytes());
        key
    }

    #[test]
    fn the_table_on_disk_answers_as_a_map_through_growth_and_out_of_order_claims() {
        let path = std::env::temp_dir().join(format!("jixiao-copies-{}", std::process::id()));
        let mut table = FirstCopies::create(&path).unwrap();
        let mut map: HashMap<ContentKey, usize> = HashMap::new();
        // 5,000 files whose contents repeat (every third one a copy of an earlier
        // content), some sharing their first slot, claimed in a shuffled order, as
        // workers finish them.
        let content = |i: u64| if i % 3 == 2 { i / 7 } else { i };
        let order = (0..5_000u64).map(|i| i * 2_741 % 5_000);
        for index in order {
            let content = content(index);
            let k = key(content, content % 11 == 0);
            let expected = match map.get(&k) {
                Some(&first) if first < index as usize => Some(first),
                _ => {
                    map.insert(k, index as usize);
                    None
                }
            };
            assert_eq!(table.claim(&k, index as usize).unwrap(), expected);
        }
        assert!(table.slots > FIRST_SLOTS, "the table grew");
        for (k, &first) in &map {
            assert_eq!(table.first_before(k, first + 1).unwrap(), Some(first));
            assert_eq!(table.first_before(k, first).unwrap(), None);
        }
        assert_eq!(table.used as usize, map.len());
        let file = file_path(&path, table.slots);
        assert!(file.exists() && !file_path(&path, FIRST_SLOTS).exists());
        drop(table);
        assert!(!file.exists());
    }
}
