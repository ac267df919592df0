//! Where `--db` points, resolved as libpq resolves it: the URL or `key=value` string first,
//! then the service file (`service=` / `PGSERVICE`), then the `PG*` environment, then the
//! defaults (a Unix socket in the usual directories, port 5432, the OS user, a database named
//! after the user), and a password from the password file last.
//!
//! Pure: the environment and the files are asked through `Sources`, so that the rules are
//! tested here with made-up environments; `db::connect` passes the real ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What resolution may look at: environment variables and files.
pub trait Sources {
    fn var(&self, name: &str) -> Option<String>;
    /// A file's text; `None` when it does not exist or cannot be read.
    fn read(&self, path: &Path) -> Option<String>;
    /// The password file's text; `None` also when others may read it (libpq ignores it then).
    fn read_private(&self, path: &Path) -> Option<String>;
    fn exists(&self, path: &Path) -> bool;
    /// The operating system's name of the user running planwise.
    fn os_user(&self) -> Option<String>;
    fn home(&self) -> Option<PathBuf>;
}

/// The connection options planwise understands, and the environment variable of each.
const OPTIONS: &[(&str, Option<&str>)] = &[
    ("host", Some("PGHOST")),
    ("hostaddr", Some("PGHOSTADDR")),
    ("port", Some("PGPORT")),
    ("dbname", Some("PGDATABASE")),
    ("user", Some("PGUSER")),
    ("password", Some("PGPASSWORD")),
    ("passfile", Some("PGPASSFILE")),
    ("service", Some("PGSERVICE")),
    ("options", Some("PGOPTIONS")),
    ("application_name", Some("PGAPPNAME")),
    ("fallback_application_name", None),
    ("sslmode", Some("PGSSLMODE")),
    ("sslrootcert", Some("PGSSLROOTCERT")),
    ("connect_timeout", Some("PGCONNECT_TIMEOUT")),
    ("tcp_user_timeout", None),
    ("keepalives", None),
    ("keepalives_idle", None),
    ("keepalives_interval", None),
    ("keepalives_count", None),
    ("target_session_attrs", Some("PGTARGETSESSIONATTRS")),
    ("channel_binding", Some("PGCHANNELBINDING")),
    ("load_balance_hosts", Some("PGLOADBALANCEHOSTS")),
];

/// Where a Unix-socket server is looked for when no host is given (Debian's, then upstream's).
pub const SOCKET_DIRECTORIES: [&str; 2] = ["/var/run/postgresql", "/tmp"];
/// libpq's `--sysconfdir` on Debian, where `pg_service.conf` lives without `PGSYSCONFDIR`.
const SYSCONFDIR: &str = "/etc/postgresql-common";
const DEFAULT_PORT: &str = "5432";

/// Keyword → value, every option resolved (empty values are unset, as in libpq).
pub type Params = BTreeMap<String, String>;

/// Parses a libpq URL (`postgres://…`, `postgresql://…`) or `key=value` string.
pub fn parse(text: &str) -> Result<Params, String> {
    let pairs = match ["postgresql://", "postgres://"]
        .into_iter()
        .find_map(|scheme| text.strip_prefix(scheme))
    {
        Some(rest) => parse_url(rest)?,
        None => parse_key_values(text)?,
    };
    let mut params = Params::new();
    for (key, value) in pairs {
        if !OPTIONS.iter().any(|(known, _)| *known == key) {
            return Err(format!("unknown connection option `{key}`"));
        }
        // The last one wins, as in libpq; an empty value unsets.
        if value.is_empty() {
            params.remove(&key);
        } else {
            params.insert(key, value);
        }
    }
    Ok(params)
}

fn decode(text: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| format!("`{text}` is not UTF-8 once percent-decoded"))
}

/// `[user[:password]@][host[:port]][,host[:port]…][/dbname][?key=value&…]`, the scheme taken.
fn parse_url(rest: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    // Credentials end at the last '@' before the path (a password may hold '@' encoded only).
    let (authority, path) = before_query.split_once('/').unwrap_or((before_query, ""));
    let (credentials, hosts) = match authority.rsplit_once('@') {
        Some((credentials, hosts)) => (Some(credentials), hosts),
        None => (None, authority),
    };
    if let Some(credentials) = credentials {
        let (user, password) = credentials
            .split_once(':')
            .map_or((credentials, None), |(u, p)| (u, Some(p)));
        pairs.push(("user".into(), decode(user)?));
        if let Some(password) = password {
            pairs.push(("password".into(), decode(password)?));
        }
    }
    if !hosts.is_empty() {
        let (hosts, ports) = split_hosts(hosts)?;
        pairs.push(("host".into(), hosts));
        if ports.split(',').any(|port| !port.is_empty()) {
            pairs.push(("port".into(), ports));
        }
    }
    if !path.is_empty() {
        pairs.push(("dbname".into(), decode(path)?));
    }
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` in the URL's query is not key=value"))?;
        pairs.push((decode(key)?, decode(value)?));
    }
    Ok(pairs)
}

/// `h1:5432,[::1]:5433,%2Ftmp` → (`h1,::1,/tmp`, `5432,5433,`).
fn split_hosts(text: &str) -> Result<(String, String), String> {
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    for chunk in text.split(',') {
        let (host, port) = match chunk.strip_prefix('[') {
            Some(bracketed) => {
                let (host, after) = bracketed
                    .split_once(']')
                    .ok_or_else(|| format!("`{chunk}`: an IPv6 address without its `]`"))?;
                let port = match after {
                    "" => "",
                    _ => after
                        .strip_prefix(':')
                        .ok_or_else(|| format!("`{chunk}`: `{after}` after the address"))?,
                };
                (host, port)
            }
            None => chunk.split_once(':').unwrap_or((chunk, "")),
        };
        hosts.push(decode(host)?);
        ports.push(decode(port)?);
    }
    Ok((hosts.join(","), ports.join(",")))
}

/// `host=h dbname = 'my db' password=it\'s`: spaces around `=`, values quoted with `'` or
/// not, `\` escaping the next character.
fn parse_key_values(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut chars = text.chars().peekable();
    let mut pairs = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next_if_eq(&'=').is_none() {
            return Err(format!("`{key}` is not key=value (nor a postgres:// URL)"));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let quoted = chars.next_if_eq(&'\'').is_some();
        let mut value = String::new();
        let mut closed = !quoted;
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.extend(chars.next()),
                '\'' if quoted => {
                    closed = true;
                    break;
                }
                c if c.is_whitespace() && !quoted => break,
                c => value.push(c),
            }
        }
        if !closed {
            return Err(format!("the value of `{key}` has no closing quote"));
        }
        pairs.push((key, value));
    }
}

/// Fills in what `params` leaves unset: the service, the environment, the defaults, the
/// password file.
pub fn resolve(mut params: Params, sources: &dyn Sources) -> Result<Params, String> {
    let service = params
        .get("service")
        .cloned()
        .or_else(|| non_empty(sources.var("PGSERVICE")));
    if let Some(service) = service {
        for (key, value) in service_options(&service, sources)? {
            params.entry(key).or_insert(value);
        }
    }
    for (key, variable) in OPTIONS {
        if let Some(value) = variable.and_then(|v| non_empty(sources.var(v))) {
            params.entry(key.to_string()).or_insert(value);
        }
    }
    let user = match params.get("user") {
        Some(user) => user.clone(),
        None => sources
            .os_user()
            .ok_or("no user name: give user=… or set PGUSER")?,
    };
    params.insert("user".into(), user.clone());
    params.entry("dbname".into()).or_insert(user);
    params
        .entry("port".into())
        .or_insert_with(|| DEFAULT_PORT.to_string());
    if !params.contains_key("host") && !params.contains_key("hostaddr") {
        params.insert("host".into(), default_socket_directory(&params, sources));
    }
    fill_ports(&mut params);
    if !params.contains_key("password")
        && let Some(password) = password_from_file(&params, sources)
    {
        params.insert("password".into(), password);
    }
    Ok(params)
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// The first usual directory holding the server's socket, else the first of them (whose
/// absence the connection error then names).
fn default_socket_directory(params: &Params, sources: &dyn Sources) -> String {
    let port = params["port"].split(',').next().unwrap_or(DEFAULT_PORT);
    SOCKET_DIRECTORIES
        .into_iter()
        .find(|dir| sources.exists(&Path::new(dir).join(format!(".s.PGSQL.{port}"))))
        .unwrap_or(SOCKET_DIRECTORIES[0])
        .to_string()
}

/// One port per host: a list's empty entries take the default (`PGPORT`, else 5432), and a
/// single port serves every host.
fn fill_ports(params: &mut Params) {
    let ports: Vec<String> = params["port"]
        .split(',')
        .map(|port| match port {
            "" => DEFAULT_PORT.to_string(),
            port => port.to_string(),
        })
        .collect();
    params.insert("port".into(), ports.join(","));
}

/// The service's options: `PGSERVICEFILE` (else `~/.pg_service.conf`) first, then
/// `pg_service.conf` in `PGSYSCONFDIR` (else the system's directory).
fn service_options(service: &str, sources: &dyn Sources) -> Result<Params, String> {
    let user_file = sources
        .var("PGSERVICEFILE")
        .map(PathBuf::from)
        .or_else(|| sources.home().map(|home| home.join(".pg_service.conf")));
    let system_file = PathBuf::from(
        non_empty(sources.var("PGSYSCONFDIR")).unwrap_or_else(|| SYSCONFDIR.to_string()),
    )
    .join("pg_service.conf");
    for file in user_file.into_iter().chain([system_file]) {
        let Some(text) = sources.read(&file) else {
            continue;
        };
        if let Some(options) = service_section(&text, service)
            .map_err(|reason| format!("{}: {reason}", file.display()))?
        {
            return Ok(options);
        }
    }
    Err(format!(
        "definition of service \"{service}\" not found (looked in PGSERVICEFILE or ~/.pg_service.conf, then pg_service.conf in PGSYSCONFDIR or {SYSCONFDIR})"
    ))
}

/// The `[service]` section of a service file; `None` when there is none.
fn service_section(text: &str, service: &str) -> Result<Option<Params>, String> {
    let mut section: Option<Params> = None;
    let mut inside = false;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if section.is_some() {
                break;
            }
            inside = name == service;
            if inside {
                section = Some(Params::new());
            }
            continue;
        }
        let (Some(options), true) = (section.as_mut(), inside) else {
            continue;
        };
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: not key=value", number + 1))?;
        let key = key.trim();
        if key == "service" || !OPTIONS.iter().any(|(known, _)| *known == key) {
            return Err(format!(
                "line {}: `{key}` is not an option here",
                number + 1
            ));
        }
        options.insert(key.to_string(), value.trim().to_string());
    }
    Ok(section)
}

/// The password of the first line of the password file (`PGPASSFILE`/`passfile`, else
/// `~/.pgpass`) that matches the first host, its port, the database and the user. A socket
/// directory is matched as `localhost`, as libpq does.
fn password_from_file(params: &Params, sources: &dyn Sources) -> Option<String> {
    let file = params
        .get("passfile")
        .map(PathBuf::from)
        .or_else(|| sources.home().map(|home| home.join(".pgpass")))?;
    let text = sources.read_private(&file)?;
    let first = |key: &str| params.get(key).and_then(|list| list.split(',').next());
    let host = match (first("host"), first("hostaddr")) {
        (Some(host), _) if !host.is_empty() && !host.starts_with('/') => host,
        (None, Some(address)) => address,
        _ => "localhost",
    };
    let port = params["port"].split(',').next().unwrap_or(DEFAULT_PORT);
    let wanted = [host, port, &params["dbname"], &params["user"]];
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = passfile_fields(line);
            let [h, p, d, u, password] = fields.as_slice() else {
                return None;
            };
            [h, p, d, u]
                .iter()
                .zip(wanted)
                .all(|(field, want)| *field == "*" || field.as_str() == want)
                .then(|| password.clone())
        })
}

/// `host:port:db:user:password` with `\:` and `\\` escaped; a password may hold more colons.
fn passfile_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().unwrap().extend(chars.next()),
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up environment and file system.
    #[derive(Default)]
    struct Fake {
        vars: BTreeMap<&'static str, &'static str>,
        files: BTreeMap<PathBuf, &'static str>,
        user: Option<&'static str>,
    }

    impl Sources for Fake {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).map(|v| v.to_string())
        }
        fn read(&self, path: &Path) -> Option<String> {
            self.files.get(path).map(|v| v.to_string())
        }
        fn read_private(&self, path: &Path) -> Option<String> {
            self.read(path)
        }
        fn exists(&self, path: &Path) -> bool {
            self.files.contains_key(path)
        }
        fn os_user(&self) -> Option<String> {
            self.user.map(str::to_string)
        }
        fn home(&self) -> Option<PathBuf> {
            Some(PathBuf::from("/home/ann"))
        }
    }

    fn fake(vars: &[(&'static str, &'static str)], files: &[(&str, &'static str)]) -> Fake {
        Fake {
            vars: vars.iter().copied().collect(),
            files: files.iter().map(|(p, t)| (PathBuf::from(p), *t)).collect(),
            user: Some("ann"),
        }
    }

    fn resolved(text: &str, sources: &Fake) -> Params {
        resolve(parse(text).unwrap(), sources).unwrap()
    }

    fn get<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
        params.get(key).map(String::as_str)
    }

    #[test]
    fn urls_without_a_host_use_the_socket_directory_that_has_the_server() {
        let sources = fake(&[], &[("/tmp/.s.PGSQL.5432", "")]);
        let params = resolved("postgres:///shop", &sources);
        assert_eq!(get(&params, "host"), Some("/tmp"));
        assert_eq!(get(&params, "dbname"), Some("shop"));
        assert_eq!(get(&params, "user"), Some("ann"));
        assert_eq!(get(&params, "port"), Some("5432"));
        // No socket anywhere: the first usual directory, for the error to name.
        let params = resolved("postgres:///shop", &fake(&[], &[]));
        assert_eq!(get(&params, "host"), Some("/var/run/postgresql"));
    }

    #[test]
    fn percent_encoded_socket_paths_and_host_lists_decode() {
        let sources = fake(&[("PGPORT", "6000")], &[]);
        let params = resolved(
            "postgresql://%2Fvar%2Frun%2Fpostgresql/shop?application_name=x",
            &sources,
        );
        assert_eq!(get(&params, "host"), Some("/var/run/postgresql"));
        assert_eq!(get(&params, "port"), Some("6000"));
        assert_eq!(get(&params, "application_name"), Some("x"));
        let params = resolved("postgres://u:p%40ss@a:1,[::1],b:3/db", &sources);
        assert_eq!(get(&params, "host"), Some("a,::1,b"));
        assert_eq!(get(&params, "port"), Some("1,5432,3"));
        assert_eq!(get(&params, "password"), Some("p@ss"));
        let params = resolved(
            "postgres://h/db?sslmode=verify-full&sslrootcert=%2Fca%20dir%2Froot.pem",
            &fake(&[("PGSSLMODE", "disable")], &[]),
        );
        assert_eq!(get(&params, "sslmode"), Some("verify-full"));
        assert_eq!(get(&params, "sslrootcert"), Some("/ca dir/root.pem"));
        let params = resolved("host=h", &fake(&[("PGSSLMODE", "require")], &[]));
        assert_eq!(get(&params, "sslmode"), Some("require"));
        assert!(parse("postgres://[::1/db").is_err());
        assert!(parse("postgres://h/db?sslmode").is_err());
    }

    #[test]
    fn key_values_alone_take_the_rest_from_the_environment_then_the_defaults() {
        let sources = fake(
            &[
                ("PGHOST", "db.internal"),
                ("PGUSER", "app"),
                ("PGDATABASE", "env_db"),
            ],
            &[],
        );
        let params = resolved("dbname=shop", &sources);
        assert_eq!(get(&params, "host"), Some("db.internal"));
        assert_eq!(get(&params, "user"), Some("app"));
        // Given beats the environment.
        assert_eq!(get(&params, "dbname"), Some("shop"));
        let params = resolved("", &sources);
        assert_eq!(get(&params, "dbname"), Some("env_db"));
        // The database defaults to the user's name.
        let params = resolved("host=h", &fake(&[], &[]));
        assert_eq!(get(&params, "dbname"), Some("ann"));
        assert_eq!(
            parse(r"host = 'a b' password=it\'s").unwrap(),
            Params::from([
                ("host".into(), "a b".into()),
                ("password".into(), "it's".into())
            ])
        );
        assert!(parse("host='open").is_err());
        assert!(parse("hots=h").unwrap_err().contains("`hots`"));
        assert!(parse("just-a-word").is_err());
    }

    #[test]
    fn the_password_file_matches_host_port_database_and_user() {
        let pgpass = "# comment\nother:*:*:*:no\n\
                      localhost:5432:shop:ann:socket\\:pw\n\
                      db.internal:*:*:app:tcp:with:colons\n";
        let sources = fake(&[], &[("/home/ann/.pgpass", pgpass)]);
        let params = resolved("postgres:///shop", &sources);
        assert_eq!(get(&params, "password"), Some("socket:pw"));
        let params = resolved("host=db.internal user=app", &sources);
        assert_eq!(get(&params, "password"), Some("tcp:with:colons"));
        // A password given, or no line matching, leaves the file out.
        let params = resolved("host=db.internal user=app password=given", &sources);
        assert_eq!(get(&params, "password"), Some("given"));
        assert_eq!(get(&resolved("host=elsewhere", &sources), "password"), None);
        // PGPASSFILE names another file.
        let sources = fake(
            &[("PGPASSFILE", "/secrets/pass")],
            &[("/secrets/pass", "*:*:*:*:from-env-file")],
        );
        let params = resolved("host=h", &sources);
        assert_eq!(get(&params, "password"), Some("from-env-file"));
    }

    #[test]
    fn services_come_before_the_environment_and_after_what_is_given() {
        let user_file = "[shop]\nhost=primary\nport=6432\n# c\n[other]\nhost=x\n";
        let system_file = "[reports]\nhost=replica\ndbname=reports\n";
        let sources = fake(
            &[
                ("PGSERVICE", "shop"),
                ("PGPORT", "7000"),
                ("PGSYSCONFDIR", "/etc/pg"),
            ],
            &[
                ("/home/ann/.pg_service.conf", user_file),
                ("/etc/pg/pg_service.conf", system_file),
            ],
        );
        let params = resolved("dbname=shop", &sources);
        assert_eq!(get(&params, "host"), Some("primary"));
        assert_eq!(get(&params, "port"), Some("6432"));
        let params = resolved("service=reports port=1", &sources);
        assert_eq!(get(&params, "host"), Some("replica"));
        assert_eq!(get(&params, "dbname"), Some("reports"));
        assert_eq!(get(&params, "port"), Some("1"));
        let missing = resolve(parse("service=nope").unwrap(), &sources).unwrap_err();
        assert!(missing.contains("service \"nope\" not found"), "{missing}");
        let bad = fake(&[], &[("/home/ann/.pg_service.conf", "[s]\nservice=t\n")]);
        assert!(resolve(parse("service=s").unwrap(), &bad).is_err());
    }

    #[test]
    fn without_a_user_anywhere_resolution_says_so() {
        let sources = Fake::default();
        let error = resolve(parse("host=h").unwrap(), &sources).unwrap_err();
        assert!(error.contains("PGUSER"));
    }
}
