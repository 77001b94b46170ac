-- Which labelled examples influenced an email's classification (NULL: none). $1 id
SELECT learned_from FROM emails WHERE id = $1
