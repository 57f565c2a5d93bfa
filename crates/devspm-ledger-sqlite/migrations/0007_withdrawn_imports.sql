-- devspm schema version 7: an import recorded by mistake can be withdrawn (`devspm import
-- --undo`, an `import_withdrawn` event); the import's row says by which event.
ALTER TABLE finding_imports ADD COLUMN withdrawn_seq INTEGER;
