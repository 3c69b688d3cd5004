-- A search typed on a list page (which may be a NIK) is kept with the session, never in the
-- page's address: addresses end up in browser history, proxy logs and Referer headers.
-- search_page names the list it belongs to; both die with the session.
ALTER TABLE sessions ADD COLUMN search_page TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
