-- Email totals for `status`.
SELECT count(*) AS total,
       count(*) FILTER (WHERE processed) AS processed,
       count(*) FILTER (WHERE parse_error IS NOT NULL) AS with_parse_error,
       (SELECT count(*) FROM raw_messages) AS deliveries,
       (SELECT count(*) FROM raw_messages WHERE email_id IS NULL OR error IS NOT NULL) AS deliveries_not_emails
FROM emails
