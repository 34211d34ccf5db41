-- from_path got a length limit in the UI only; make it explicit here too
ALTER TABLE redirects ADD CONSTRAINT redirects_from_path_length CHECK (length(from_path) <= 2048);
