//! `CREATE DOMAIN` and `ALTER DOMAIN`: the catalog's domains, with their named CHECK
//! constraints and `NOT NULL` — what a new column of one is checked against (a rewrite) and
//! what `ALTER DOMAIN … ADD CONSTRAINT` validates. sqlparser reads `CREATE DOMAIN` but not
//! its `NOT NULL` (the loader takes it out and passes it on), and no `ALTER DOMAIN` at all:
//! the loader reads that by its words (`recovery::alter_domain`).

use super::identifiers::display_object_name;
use super::sql_types::format_type;
use super::{DdlApplier, Effect, Outcome};
use crate::model::catalog::{Domain, DomainCheck, QualifiedName};
use sqlparser::ast::{CreateDomain, ObjectName, TableConstraint};

/// What an `ALTER DOMAIN` changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainChange {
    /// `ADD [CONSTRAINT name] CHECK (expression) [NOT VALID]`: a value not yet checked is
    /// still checked from now on, so `NOT VALID` changes nothing here.
    AddCheck {
        name: Option<String>,
        expression: String,
    },
    DropConstraint {
        name: String,
        if_exists: bool,
    },
    /// `SET NOT NULL` (or `ADD NOT NULL`), `DROP NOT NULL`.
    NotNull(bool),
    RenameConstraint {
        old: String,
        new: String,
    },
    RenameTo(String),
    /// `VALIDATE CONSTRAINT`, `OWNER TO`, `SET` / `DROP DEFAULT`, `SET SCHEMA`: nothing the
    /// catalog keeps.
    Other,
}

impl DdlApplier {
    /// `CREATE DOMAIN name AS type [CONSTRAINT name] [CHECK (…)]…`, `NOT NULL` when the
    /// loader took it out.
    pub(super) fn create_domain(&mut self, create: &CreateDomain) -> Effect {
        let name = self.creation_name(&create.name);
        let mut domain = Domain {
            base_type: format_type(&create.data_type),
            ..Domain::default()
        };
        self.catalog.domains.insert(name.clone(), domain.clone());
        for constraint in &create.constraints {
            if let TableConstraint::Check(check) = constraint {
                let constraint = check.name.as_ref().map(super::identifier);
                let check = self.domain_check(&name, constraint, check.expr.to_string());
                domain.checks.push(check);
                self.catalog.domains.insert(name.clone(), domain.clone());
            }
        }
        Effect::Applied
    }

    /// Applies what `ALTER DOMAIN name …` changes.
    pub fn alter_domain(&mut self, name: &ObjectName, change: DomainChange) -> Outcome {
        let found = self.lookup(name, |q| self.catalog.domains.contains_key(q));
        let Some(domain_name) = found else {
            self.missing(format!(
                "type \"{}\" does not exist",
                display_object_name(name)
            ));
            return self.outcome(Effect::Applied);
        };
        match change {
            DomainChange::AddCheck { name, expression } => {
                let check = self.domain_check(&domain_name, name, expression);
                self.domain(&domain_name).checks.push(check);
            }
            DomainChange::DropConstraint { name, if_exists } => {
                let checks = &mut self.domain(&domain_name).checks;
                let before = checks.len();
                checks.retain(|check| check.name != name);
                if before == checks.len() && !if_exists {
                    self.missing(format!(
                        "constraint \"{name}\" of domain \"{}\" does not exist",
                        domain_name.name
                    ));
                }
            }
            DomainChange::NotNull(not_null) => self.domain(&domain_name).not_null = not_null,
            DomainChange::RenameConstraint { old, new } => {
                let check = self.domain(&domain_name).checks.iter_mut();
                match check.into_iter().find(|check| check.name == old) {
                    Some(check) => check.name = new,
                    None => self.missing(format!(
                        "constraint \"{old}\" for domain \"{}\" does not exist",
                        domain_name.name
                    )),
                }
            }
            DomainChange::RenameTo(new) => {
                if let Some(domain) = self.catalog.domains.remove(&domain_name) {
                    let renamed = QualifiedName::new(domain_name.schema.clone(), new);
                    self.catalog.domains.insert(renamed, domain);
                }
            }
            DomainChange::Other => {}
        }
        self.outcome(Effect::Applied)
    }

    /// The domain `name`, which the caller found.
    fn domain(&mut self, name: &QualifiedName) -> &mut Domain {
        self.catalog.domains.entry(name.clone()).or_default()
    }

    /// A check of the domain, named as written or as PostgreSQL names it
    /// (`ChooseConstraintName(domain, NULL, "check")`).
    fn domain_check(
        &self,
        domain: &QualifiedName,
        name: Option<String>,
        expression: String,
    ) -> DomainCheck {
        let name = name.unwrap_or_else(|| {
            self.choose_constraint_name(&domain.schema, &domain.name, None, "check")
        });
        DomainCheck { name, expression }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;
    use sqlparser::ast::Ident;

    fn domain_name(name: &str) -> ObjectName {
        ObjectName::from(vec![Ident::new(name)])
    }

    #[test]
    fn domain_constraints_are_named_added_renamed_and_dropped() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE DOMAIN amount AS numeric(10,2) CHECK (VALUE > 0) CHECK (VALUE < 100)",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let amount = domain_name("amount");
        let changes = [
            DomainChange::AddCheck {
                name: Some("small".into()),
                expression: "VALUE < 10".into(),
            },
            DomainChange::RenameConstraint {
                old: "amount_check".into(),
                new: "positive".into(),
            },
            DomainChange::DropConstraint {
                name: "amount_check1".into(),
                if_exists: false,
            },
            DomainChange::NotNull(true),
        ];
        for change in changes {
            let outcome = applier.alter_domain(&amount, change);
            assert!(outcome.problems.is_empty(), "{outcome:?}");
        }
        let domain = &applier.catalog().domains[&name("amount")];
        let names: Vec<_> = domain.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["positive", "small"]);
        assert!(domain.not_null);
        let missing = DomainChange::DropConstraint {
            name: "nope".into(),
            if_exists: false,
        };
        let outcome = applier.alter_domain(&amount, missing);
        assert_eq!(
            kinds(&outcome.problems),
            [super::super::ProblemKind::MissingObject]
        );
        let outcome = applier.alter_domain(&domain_name("nope"), DomainChange::Other);
        assert!(
            outcome.problems[0]
                .message
                .contains("\"nope\" does not exist")
        );
    }
}
