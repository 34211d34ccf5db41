DO $$
DECLARE
  updated integer;
BEGIN
  LOOP
    UPDATE organizations o
       SET plan_code = s.plan_code
      FROM subscriptions s
     WHERE s.org_id = o.id
       AND s.status <> 'canceled'
       AND o.id IN (
             SELECT o2.id
               FROM organizations o2
               JOIN subscriptions s2 ON s2.org_id = o2.id AND s2.status <> 'canceled'
              WHERE o2.plan_code IS NULL
              LIMIT 1000
           );
    GET DIAGNOSTICS updated = ROW_COUNT;
    EXIT WHEN updated = 0;
  END LOOP;

  UPDATE organizations SET plan_code = 'free' WHERE plan_code IS NULL;
END
$$;
