DROP TRIGGER pages_record_revision ON pages;
DROP FUNCTION record_page_revision();
