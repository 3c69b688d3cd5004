-- The accounts in a recording team: whose field list shows the team's visits (step 5).
CREATE TABLE campaign_team_users (
    team_id BIGINT NOT NULL REFERENCES campaign_teams (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX campaign_team_users_user ON campaign_team_users (user_id);
