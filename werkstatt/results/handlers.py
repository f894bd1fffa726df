"""Routes of results: the result page, project ideas (pages and JSON), the town's project ideas."""

from werkstatt.results.api import ProjectIdeaApi, ResultsApi

HANDLERS = [ResultsApi, ProjectIdeaApi]
