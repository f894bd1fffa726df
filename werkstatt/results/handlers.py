"""Routes of results: the result page, project ideas (pages and JSON), the town's project ideas."""

from werkstatt.results.api import ProjectIdeaApi, ResultsApi
from werkstatt.results.routes import ResultPage, TownProjects

HANDLERS = [ResultsApi, ProjectIdeaApi, ResultPage, TownProjects]
