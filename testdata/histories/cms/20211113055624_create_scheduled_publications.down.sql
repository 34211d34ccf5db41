DROP TABLE scheduled_publications;
