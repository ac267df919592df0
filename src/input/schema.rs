//! `--schema` input: `.sql` files and folders of them — a pg_dump, a migration history —
//! found and read in the order a migration tool applies them, then applied in order to one
//! catalog by `model::ddl::loader` (which splits, parses and recovers, with no I/O); a
//! catalog saved with `--save-catalog` may come first.

use super::InputError;
use crate::model::catalog::Catalog;
use crate::model::ddl::loader::{SchemaLoad, SchemaLoader};
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// Loads `--schema` paths in order: files as given, folders walked for their `.sql` files.
/// A catalog saved with `--save-catalog` (`.json`, statistics included) may come first: the
/// DDL that follows applies on top of it.
pub fn load_schema(paths: &[PathBuf]) -> Result<SchemaLoad, InputError> {
    let mut loader = SchemaLoader::default();
    let mut paths = paths;
    if let Some((first, rest)) = paths.split_first()
        && first.extension().is_some_and(|e| e == "json")
    {
        loader = SchemaLoader::new(read_saved_catalog(first)?);
        paths = rest;
    }
    for path in paths {
        if path.extension().is_some_and(|e| e == "json") {
            return Err(InputError::Malformed {
                path: path.display().to_string(),
                reason: "a saved catalog must be the first --schema path".into(),
            });
        }
        for file in schema_files(path)? {
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).map_err(|error| InputError::Read {
                path: name.clone(),
                error,
            })?;
            loader.load_script(&String::from_utf8_lossy(&bytes), &name);
        }
    }
    Ok(loader.finish())
}

fn read_saved_catalog(path: &Path) -> Result<Catalog, InputError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| InputError::Read {
        path: name.clone(),
        error,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| InputError::Malformed {
        path: name,
        reason: format!("not a catalog saved with --save-catalog: {e}"),
    })
}

/// The files a `--schema` path stands for: the file itself, or every `*.sql` under a folder
/// in the order migration tools apply them (by path, numbers compared as numbers so that
/// `V2__` comes before `V10__`), without the `down.sql` / `*.down.sql` halves of up/down
/// migration pairs.
pub fn schema_files(path: &Path) -> Result<Vec<PathBuf>, InputError> {
    let metadata = std::fs::metadata(path).map_err(|error| InputError::Open {
        path: path.display().to_string(),
        error,
    })?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    collect_sql_files(path, &mut files)?;
    if files.is_empty() {
        return Err(InputError::NoMatch {
            pattern: format!("{}/**/*.sql", path.display()),
        });
    }
    files.sort_by(|a, b| migration_order(a, b));
    Ok(files)
}

fn collect_sql_files(folder: &Path, files: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let open_error = |error| InputError::Open {
        path: folder.display().to_string(),
        error,
    };
    for entry in std::fs::read_dir(folder).map_err(open_error)? {
        let entry = entry.map_err(open_error)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // Symbolic links to folders are not followed: a link cycle would never end.
        let file_type = entry.file_type().map_err(open_error)?;
        if file_type.is_dir() {
            collect_sql_files(&path, files)?;
        } else if name.ends_with(".sql") && !is_down_migration(&name) && path.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

fn is_down_migration(file_name: &str) -> bool {
    file_name == "down.sql" || file_name.ends_with(".down.sql")
}

/// Paths component by component, digit runs compared by value.
fn migration_order(a: &Path, b: &Path) -> Ordering {
    let names = |path: &Path| -> Vec<String> {
        path.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    let (a, b) = (names(a), names(b));
    for (x, y) in a.iter().zip(&b) {
        match natural_order(x, y) {
            Ordering::Equal => continue,
            unequal => return unequal,
        }
    }
    a.len().cmp(&b.len())
}

fn natural_order(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (x_digits, x_rest) =
                    a.split_at(a.iter().take_while(|c| c.is_ascii_digit()).count());
                let (y_digits, y_rest) =
                    b.split_at(b.iter().take_while(|c| c.is_ascii_digit()).count());
                let trim =
                    |digits: &[u8]| -> usize { digits.iter().take_while(|&&d| d == b'0').count() };
                let (x_value, y_value) = (&x_digits[trim(x_digits)..], &y_digits[trim(y_digits)..]);
                let by_value = x_value
                    .len()
                    .cmp(&y_value.len())
                    .then_with(|| x_value.cmp(y_value))
                    .then_with(|| x_digits.len().cmp(&y_digits.len()));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (a, b) = (x_rest, y_rest);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_files_sort_with_numbers_by_value() {
        let mut paths: Vec<PathBuf> = [
            "m/V10__c.sql",
            "m/V2__b.sql",
            "m/V1__a.sql",
            "m/2020-01-02_x/up.sql",
            "m/2020-01-01_y/up.sql",
            "m/0002_b.sql",
            "m/0010_c.sql",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        paths.sort_by(|a, b| migration_order(a, b));
        let sorted: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            sorted,
            [
                "m/0002_b.sql",
                "m/0010_c.sql",
                "m/2020-01-01_y/up.sql",
                "m/2020-01-02_x/up.sql",
                "m/V1__a.sql",
                "m/V2__b.sql",
                "m/V10__c.sql",
            ]
        );
        assert_eq!(natural_order("a01", "a1"), Ordering::Greater);
        assert_eq!(natural_order("a1", "a1"), Ordering::Equal);
    }

    #[test]
    fn folders_give_their_sql_files_without_down_migrations() {
        let folder = tempfile::tempdir().unwrap();
        let write = |path: &str| {
            let path = folder.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "SELECT 1;").unwrap();
        };
        for path in [
            "2_b/up.sql",
            "2_b/down.sql",
            "1_a.up.sql",
            "1_a.down.sql",
            "10_c.sql",
            "notes.md",
            ".hidden/x.sql",
        ] {
            write(path);
        }
        let files: Vec<String> = schema_files(folder.path())
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(folder.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(files, ["1_a.up.sql", "2_b/up.sql", "10_c.sql"]);
    }
}
