//! Paging helpers.

/// Read every page by calling `fetch(cursor)` until it returns no next cursor, collecting the
/// items; stops with an error after `max_pages` so a platform that never ends the listing
/// cannot keep a plugin busy until its fuel runs out.
pub fn collect_all<T, E>(
    max_pages: usize,
    mut fetch: impl FnMut(Option<String>) -> Result<(Vec<T>, Option<String>), E>,
) -> Result<Vec<T>, PagingError<E>> {
    let mut all = Vec::new();
    let mut cursor = None;
    for _ in 0..max_pages {
        let (items, next) = fetch(cursor).map_err(PagingError::Fetch)?;
        all.extend(items);
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
    Err(PagingError::TooManyPages(max_pages))
}

/// Why [`collect_all`] stopped.
#[derive(Debug, PartialEq)]
pub enum PagingError<E> {
    /// A page failed.
    Fetch(E),
    /// More than the allowed number of pages.
    TooManyPages(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_until_the_cursor_ends_and_refuses_endless_listings() {
        let pages = [vec![1, 2], vec![3], vec![4, 5]];
        let got = collect_all(10, |c: Option<String>| {
            let i: usize = c.map(|c| c.parse().unwrap()).unwrap_or(0);
            Ok::<_, ()>((
                pages[i].clone(),
                (i + 1 < pages.len()).then(|| (i + 1).to_string()),
            ))
        });
        assert_eq!(got, Ok(vec![1, 2, 3, 4, 5]));
        let endless = collect_all(3, |_| Ok::<_, ()>((vec![0], Some("again".into()))));
        assert_eq!(endless, Err(PagingError::TooManyPages(3)));
    }
}
