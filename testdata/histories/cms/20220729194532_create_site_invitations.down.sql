DROP TABLE site_invitations;
