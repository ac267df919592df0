//! How deep a statement's syntax tree can grow, bounded from its tokens before sqlparser
//! builds the tree, and the stack every thread that parses or walks a tree is given.
//!
//! sqlparser reads `a AND b AND …`, `1 + 1 + …` and `… UNION ALL …` in a loop: each operator
//! wraps the tree read so far, so n terms make a tree n levels deep. Building it takes no
//! recursion, but everything after does: sqlparser's own Drop, Clone, PartialEq and Visit,
//! and planwise's walks (query facts, DDL, migration rules). A statement whose bound exceeds
//! [`MAX_DEPTH`] is refused before its tree exists; the threads that handle trees run with
//! [`STACK_SIZE`] of stack, which holds the deepest tree below the bound.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};
use std::sync::OnceLock;

/// The deepest bound [`depth_bound`] may give for a statement planwise parses. A WHERE of
/// ~2,000 `col = value` conditions joined by AND, `1 + … + 1` with ~4,000 terms, or ~2,000
/// `UNION ALL` branches stay below it.
pub const MAX_DEPTH: usize = 8_000;

/// What one `UNION`/`INTERSECT`/`EXCEPT` adds to the bound: a level of set operation costs a
/// walk (sqlparser's Clone of a query, in a debug build) about four times the stack an
/// operator's level does.
const SET_OPERATION_WEIGHT: usize = 4;

/// Stack for every thread that parses or walks syntax trees. The hungriest tree below
/// [`MAX_DEPTH`] measured needs 35 MiB in a debug build (`check` of a view of 1,984
/// `UNION ALL` branches, which is cloned; a WHERE of 3,968 `true AND …` takes 25 MiB);
/// release frames are smaller. Only the pages a walk touches are ever allocated.
pub const STACK_SIZE: usize = 256 << 20;

/// An upper bound on the depth of the trees sqlparser builds from `tokens`, for the deepest
/// statement among them.
///
/// Within one pair of parentheses, every token between two commas (or `WHEN`/`THEN`/`ELSE`
/// of a `CASE`, or a set operation) counts as a possible level: an operator chain of n
/// terms spends at least n tokens. Set operations count [`SET_OPERATION_WEIGHT`] each, and
/// commas do not end their chain. Each parenthesis, bracket, brace and `CASE … END` adds its own depth to the chain
/// it stands in.
pub fn depth_bound(tokens: &[TokenWithSpan]) -> usize {
    let mut walk = Walk::default();
    for token in tokens {
        walk.token(&token.token);
    }
    walk.finish()
}

/// What closes a group of tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closer {
    Statement,
    Paren,
    Bracket,
    Brace,
    End,
}

/// One group (the statement, or one pair of parentheses) while its tokens are read.
#[derive(Debug)]
struct Group {
    closer: Closer,
    set_operations: usize,
    /// The deepest chain finished so far, with the deepest group inside it.
    deepest: usize,
    /// Tokens of the chain being read, and the deepest group inside it.
    chain: usize,
    chain_inner: usize,
}

impl Group {
    fn new(closer: Closer) -> Self {
        Group {
            closer,
            set_operations: 0,
            deepest: 0,
            chain: 0,
            chain_inner: 0,
        }
    }

    fn end_chain(&mut self) {
        self.deepest = self.deepest.max(self.chain + self.chain_inner);
        self.chain = 0;
        self.chain_inner = 0;
    }

    fn depth(mut self) -> usize {
        self.end_chain();
        1 + self.set_operations + self.deepest
    }
}

#[derive(Debug)]
struct Walk {
    /// The statement's group first; never empty.
    open: Vec<Group>,
    deepest_statement: usize,
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            open: vec![Group::new(Closer::Statement)],
            deepest_statement: 0,
        }
    }
}

impl Walk {
    fn token(&mut self, token: &Token) {
        match token {
            Token::Whitespace(_) | Token::EOF => {}
            Token::LParen => self.open(Closer::Paren),
            Token::LBracket => self.open(Closer::Bracket),
            Token::LBrace => self.open(Closer::Brace),
            Token::RParen => self.close(Closer::Paren),
            Token::RBracket => self.close(Closer::Bracket),
            Token::RBrace => self.close(Closer::Brace),
            Token::Comma => self.innermost().end_chain(),
            Token::SemiColon => self.end_statement(),
            Token::Word(word) if word.quote_style.is_none() => self.keyword(word.keyword),
            _ => self.innermost().chain += 1,
        }
    }

    fn keyword(&mut self, keyword: Keyword) {
        let in_case = self.innermost().closer == Closer::End;
        match keyword {
            Keyword::CASE => self.open(Closer::End),
            Keyword::END if in_case => self.close(Closer::End),
            Keyword::WHEN | Keyword::THEN | Keyword::ELSE if in_case => {
                self.innermost().end_chain()
            }
            Keyword::UNION | Keyword::INTERSECT | Keyword::EXCEPT | Keyword::MINUS => {
                let group = self.innermost();
                group.set_operations += SET_OPERATION_WEIGHT;
                group.end_chain();
            }
            _ => self.innermost().chain += 1,
        }
    }

    fn innermost(&mut self) -> &mut Group {
        self.open
            .last_mut()
            .expect("the statement's group stays open")
    }

    fn open(&mut self, closer: Closer) {
        self.innermost().chain += 1;
        self.open.push(Group::new(closer));
    }

    /// Closes the innermost group `closer` ends, and those opened inside it; a closer with
    /// nothing to close is one more token.
    fn close(&mut self, closer: Closer) {
        let Some(at) = self.open.iter().rposition(|group| group.closer == closer) else {
            self.innermost().chain += 1;
            return;
        };
        while self.open.len() > at {
            self.close_innermost();
        }
    }

    fn close_innermost(&mut self) {
        let group = self.open.pop().expect("an inner group is open");
        let depth = group.depth();
        let outer = self.innermost();
        outer.chain_inner = outer.chain_inner.max(depth);
    }

    /// A `;` ends the statement, or a chain inside parentheses (a function body).
    fn end_statement(&mut self) {
        if self.open.len() > 1 {
            self.innermost().end_chain();
            return;
        }
        let statement = std::mem::replace(&mut self.open[0], Group::new(Closer::Statement));
        self.deepest_statement = self.deepest_statement.max(statement.depth());
    }

    fn finish(mut self) -> usize {
        while self.open.len() > 1 {
            self.close_innermost();
        }
        self.end_statement();
        self.deepest_statement
    }
}

/// Runs `work` on a thread with [`STACK_SIZE`] of stack and waits for it; a panic in `work`
/// goes on in the caller. Fails only when the system cannot start a thread.
pub fn on_deep_stack<T: Send>(work: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("planwise".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, work)?;
        Ok(thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// The thread pool that parses statements and extracts their facts: one thread per core,
/// each with [`STACK_SIZE`] of stack. Built on first use.
pub fn deep_pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|index| format!("planwise-sql-{index}"))
            .stack_size(STACK_SIZE)
            .build()
            .expect("the system cannot start the threads that parse SQL")
    })
}

/// A thread for the statement parsers of `check`, with [`STACK_SIZE`] of stack.
pub fn deep_thread() -> std::thread::Builder {
    std::thread::Builder::new()
        .name("planwise-parse".into())
        .stack_size(STACK_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn bound(sql: &str) -> usize {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        depth_bound(&tokens)
    }

    fn chain(term: &str, separator: &str, n: usize) -> String {
        vec![term; n].join(separator)
    }

    #[test]
    fn an_operator_chain_counts_its_tokens() {
        assert_eq!(
            bound(&format!("SELECT {}", chain("1", " + ", 100))),
            1 + 1 + 199
        );
        assert_eq!(bound("SELECT 1"), 3);
    }

    #[test]
    fn commas_end_a_chain_and_set_operations_do_not() {
        let wide = format!("SELECT {}", chain("a + b", ", ", 1000));
        assert!(bound(&wide) < 10, "{}", bound(&wide));
        let unions = chain("SELECT a, b FROM t", " UNION ALL ", 100);
        assert!(
            bound(&unions) > 99 * SET_OPERATION_WEIGHT,
            "{}",
            bound(&unions)
        );
    }

    #[test]
    fn parentheses_add_the_depth_of_what_they_hold_to_their_chain() {
        let inner = format!("({})", chain("x", " AND ", 50));
        let nested = format!("SELECT 1 WHERE a AND {inner} AND b");
        let flat = format!("SELECT 1 WHERE {}", chain("x", " AND ", 50));
        assert!(
            bound(&nested) > bound(&flat),
            "{} {}",
            bound(&nested),
            bound(&flat)
        );
        let deep = format!("SELECT {}1{}", "(".repeat(300), ")".repeat(300));
        assert!(bound(&deep) >= 300);
    }

    #[test]
    fn case_branches_are_chains_of_their_own_but_a_case_stays_in_its_chain() {
        let branches = (0..1000)
            .map(|i| format!("WHEN a = {i} THEN {i}"))
            .collect::<String>();
        let wide_case = format!("SELECT CASE {branches} END");
        assert!(bound(&wide_case) < 20, "{}", bound(&wide_case));
        let cases = chain("CASE WHEN a THEN b END", " AND ", 1000);
        assert!(bound(&format!("SELECT {cases}")) > 2000);
    }

    #[test]
    fn statements_are_bounded_one_by_one_and_unclosed_groups_still_count() {
        let one = format!("SELECT {}", chain("1", "+", 500));
        assert_eq!(bound(&format!("{one}; {one}; SELECT 1")), bound(&one));
        let unclosed = format!("SELECT ({}", chain("1", "+", 500));
        assert!(bound(&unclosed) > 1000);
        // A closer with nothing to close is one more token, not the end of anything.
        assert!(bound(&format!("{one}) END ] }}")) > bound(&one));
    }

    #[test]
    fn a_thread_with_the_deep_stack_runs_and_returns() {
        assert_eq!(on_deep_stack(|| 6 * 7).unwrap(), 42);
        assert_eq!(deep_pool().install(|| 1 + 1), 2);
    }
}
